//! The same bits on every machine: a run's files must not depend on which version of
//! the C library's mathematical functions the processor selects.
//!
//! glibc picks its `log` and `exp` by the processor (FMA or not), and their last bits
//! differ. Before `demarche::math`, the headline scenario's `trials.csv` differed in
//! 15 of its first 2,000 rows between the two. `GLIBC_TUNABLES` makes glibc take the
//! version for processors without AVX2 and FMA; on other C libraries, or on a
//! processor without FMA, it changes nothing and both runs are alike anyway.

use std::path::Path;

mod common;
use common::{bin, expect_code};

/// Runs the headline scenario into `out` with `tunables` (if any) set for glibc.
fn headline_run(dir: &Path, out: &str, tunables: Option<&str>) {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/japan_dprk_summit.toml");
    let mut command = bin();
    command.current_dir(dir).args([
        "run",
        scenario.to_str().unwrap(),
        "--trials",
        "2000",
        "--threads",
        "2",
        "--quiet",
        "--out",
        out,
    ]);
    command.env_remove("GLIBC_TUNABLES");
    if let Some(t) = tunables {
        command.env("GLIBC_TUNABLES", t);
    }
    let output = command.output().expect("the binary runs");
    expect_code(&output, 0);
}

#[test]
fn a_run_has_the_same_bits_with_and_without_the_fma_versions_of_the_c_library() {
    let tmp = tempfile::tempdir().unwrap();
    headline_run(tmp.path(), "native", None);
    headline_run(tmp.path(), "portable", Some("glibc.cpu.hwcaps=-AVX2,-FMA"));
    for file in ["trials.csv", "summary.csv"] {
        let a = std::fs::read(tmp.path().join("native").join(file)).unwrap();
        let b = std::fs::read(tmp.path().join("portable").join(file)).unwrap();
        if a != b {
            let rows = String::from_utf8_lossy(&a)
                .lines()
                .zip(String::from_utf8_lossy(&b).lines())
                .filter(|(x, y)| x != y)
                .count();
            panic!("{file}: {rows} rows differ between the two versions of the C library");
        }
    }
}
