#!/usr/bin/env bash
# Everything `make test` runs against one pair of emulators: a short schemathesis run, the
# Rust suite (unit, integration, Lambda runtime), then the deployed shape under `sam local`
# (every route compared with the dev server, and the IAM proof).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fuzz.sh "${FUZZ_EXAMPLES:-15}"
# `make smoke` (scripts/smoke.py, the README walkthrough) against a dev server of its own, so that
# the script cannot rot; it reads the SMS codes from the emulator at AWS_ENDPOINT_URL. The fuzz
# run's code requests count against this address too (same tables), hence the raised limit.
(
  port=$(python3 scripts/free-port.py)
  cargo build --quiet --bin foof-devserver
  PORT=$port RUST_LOG=warn CODE_REQUESTS_PER_SOURCE_PER_HOUR=1000000 target/debug/foof-devserver &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/openapi.yaml" && break; sleep 0.1; done
  make --no-print-directory smoke BASE_URL="http://127.0.0.1:$port"
)
scripts/cargo-test-summary.sh --workspace --locked --lib --bins --tests
.venv/bin/python -m unittest discover -s tests/deployed -p 'test_*.py'
scripts/sam-local.sh test
