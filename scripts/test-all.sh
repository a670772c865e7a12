#!/usr/bin/env bash
# Everything `make test` runs against one pair of emulators: a short schemathesis run, then
# the Rust suite (unit, integration, Lambda runtime), whose totals end the output.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fuzz.sh "${FUZZ_EXAMPLES:-15}"
scripts/cargo-test-summary.sh --workspace --locked --lib --bins --tests
