//! Normal-form (strategic) games, as read from Gambit `.nfg` files.
