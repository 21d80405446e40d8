//! The scenario language: TOML parsing with spans, validation, expressions, priors.
