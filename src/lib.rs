//! demarche: a game-theory negotiation simulator.
//!
//! Data flows one way (see ARCHITECTURE.md): scenario → model → game → solver →
//! profile → trial records → outputs. Nothing in the core modules does IO.

pub mod analyze;
pub mod cli;
pub mod diag;
pub mod gambit;
pub mod game;
pub mod math;
pub mod model;
pub mod output;
pub mod report;
pub mod scenario;
pub mod simulate;
pub mod solve;
