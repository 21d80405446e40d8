#!/usr/bin/env bash
# Runs the headline scenario with four builds and C libraries and checks that
# trials.csv and summary.csv are byte-identical:
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
run() { local name=$1; shift; "$@" run "$scenario" --trials "$trials" --quiet --out "$out/$name" >/dev/null; }
run glibc target/release/demarche
GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA run glibc-no-fma target/release/demarche
run musl target/x86_64-unknown-linux-musl/release/demarche
run aarch64 qemu-aarch64-static target/aarch64-unknown-linux-musl/release/demarche
status=0
for name in glibc-no-fma musl aarch64; do
    for file in trials.csv summary.csv; do
        if cmp -s "$out/glibc/$file" "$out/$name/$file"; then
            echo "$name: $file identical"
        else
            rows=$(diff "$out/glibc/$file" "$out/$name/$file" | grep -c '^<' || true)
            echo "$name: $file differs in $rows rows"
            status=1
        fi
    done
done
exit $status
