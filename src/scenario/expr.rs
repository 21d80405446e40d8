//! Arithmetic expressions over parameters, compiled once to a flat instruction list.
