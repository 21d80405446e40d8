//! Seeded Monte Carlo: per-trial streams, solving, play-out and ordered aggregation.
