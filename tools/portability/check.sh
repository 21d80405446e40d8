#!/usr/bin/env bash
# Runs the headline scenario with four builds and C libraries and checks that every
# output but the JSON metadata (which holds timings) is byte-identical: `run --report`
# (trials.csv, summary.csv, report.html, figures), a small calibration (`tune`), a
# small Sobol' design (`sensitivity`) and a small `sweep`:
#   1. the native build (glibc, x86_64), as the processor selects glibc's functions;
#   2. the same binary with glibc's functions for processors without AVX2 and FMA;
#   3. a static x86_64 build against musl;
#   4. a static aarch64 build against musl, run under qemu-user.
# Needs: rustup targets x86_64-unknown-linux-musl and aarch64-unknown-linux-musl, and
# qemu-aarch64-static (Debian: qemu-user-static). Not part of the test suite (it
# downloads targets and takes two extra builds); tests/portable_bits.rs runs check 2.
#
#   rustup target add x86_64-unknown-linux-musl aarch64-unknown-linux-musl
#   apt-get install qemu-user-static
#   tools/portability/check.sh [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/../.."
trials=${1:-10000}
scenario=scenarios/japan_dprk_summit.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=rust-lld
cargo build --release --quiet
cargo build --release --quiet --target x86_64-unknown-linux-musl
cargo build --release --quiet --target aarch64-unknown-linux-musl
outputs() {
    local name=$1; shift
    "$@" run "$scenario" --trials "$trials" --report --quiet --out "$out/$name/run" >/dev/null
    "$@" tune "$scenario" --param p_hardline=0.05:0.95 --param lambda=0.5:8 \
        --calibrate scenarios/observed/2023_2024.csv --trials 500 --budget 24 --quiet \
        --out "$out/$name/tune" >/dev/null
    "$@" sensitivity "$scenario" --param p_hardline=0:1 --param lambda=0.5:8 \
        --param cn_ru_backing=0:1 --samples 8 --trials 200 --quiet --out "$out/$name/sensitivity" >/dev/null
    "$@" sweep "$scenario" --vary aid_offer=0:3:4 --trials 300 --quiet --out "$out/$name/sweep" >/dev/null
}
outputs glibc target/release/demarche
GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA outputs glibc-no-fma target/release/demarche
outputs musl target/x86_64-unknown-linux-musl/release/demarche
outputs aarch64 qemu-aarch64-static target/aarch64-unknown-linux-musl/release/demarche
status=0
for name in glibc-no-fma musl aarch64; do
    compared=0
    while IFS= read -r file; do
        compared=$((compared + 1))
        if ! cmp -s "$out/glibc/$file" "$out/$name/$file"; then
            rows=$(diff "$out/glibc/$file" "$out/$name/$file" | grep -c '^<' || true)
            echo "$name: $file differs ($rows lines)"
            status=1
        fi
    done < <(cd "$out/glibc" && find . -type f ! -name '*.json' | sort)
    echo "$name: $compared files compared"
done
[ $status = 0 ] && echo "all outputs identical"
exit $status
