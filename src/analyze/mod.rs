//! Sweeps, tuning, calibration and sensitivity analysis over the run machinery.
