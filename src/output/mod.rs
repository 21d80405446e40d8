//! Output tables and atomic file writing.
