#!/usr/bin/env bash
# Builds the native Groth16 tools (native/groth16: prover + INSECURE dev powers
# of tau) where Rust's cargo exists. Optional: without it the SDK uses snarkjs.
# Incremental: cargo rebuilds only what changed (about 1.5 min from scratch on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  if [ "${VINFER_REQUIRE_NATIVE:-}" = "1" ]; then
    echo "cargo not found, and VINFER_REQUIRE_NATIVE=1: install Rust (https://rustup.rs) to build native/groth16" >&2
    exit 1
  fi
  echo "cargo not found: skipping the native Groth16 prover (snarkjs will prove; install Rust to build it)"
  exit 0
fi
echo "building the native Groth16 tools (native/groth16, cargo build --release)"
cargo build --release --locked --quiet --manifest-path native/groth16/Cargo.toml
echo "native Groth16 tools ready: native/groth16/target/release/vinfer-groth16"
