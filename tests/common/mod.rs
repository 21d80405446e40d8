//! Helpers shared by the end-to-end tests that run the real `demarche` binary.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_demarche"))
}

/// Runs the binary with `args` in `dir` and collects its output.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Asserts the exit code and prints both streams when it differs.
pub fn expect_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit code {code}\n--- stdout\n{}\n--- stderr\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The configuration of every property test. Cases come from a fixed seed, so
/// `cargo test` and CI run the same cases every time and a failure is never a matter
/// of luck. To explore other cases, set proptest's own variables:
/// `PROPTEST_RNG_SEED=<u64>` picks another fixed sequence and `PROPTEST_CASES=<n>`
/// changes the count, e.g. `PROPTEST_RNG_SEED=$RANDOM PROPTEST_CASES=5000 cargo test
/// --release --test solver_props`.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    let mut config = proptest::test_runner::Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(0x64656d61_72636865);
    }
    config
}
