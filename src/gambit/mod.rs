//! Gambit interchange: reading and writing `.efg` and `.nfg` files.
