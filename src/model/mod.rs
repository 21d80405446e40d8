//! The compiled model: a fixed game structure plus numeric programs refilled per trial.
