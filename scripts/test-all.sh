#!/usr/bin/env bash
# Everything `make test` runs against one pair of emulators: a short schemathesis run, the
# README walkthrough (`make smoke`), the Rust suite (unit, integration, Lambda runtime), then the deployed shape under `sam local`
# (every route compared with the dev server, and the IAM proof).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/with-devserver.sh scripts/fuzz.sh "${FUZZ_EXAMPLES:-15}"
# `make smoke` (scripts/smoke.py, the README walkthrough), so that the script cannot rot.
scripts/with-devserver.sh make --no-print-directory smoke
scripts/cargo-test-summary.sh --workspace --locked --lib --bins --tests
.venv/bin/python -m unittest discover -s tests/deployed -p 'test_*.py'
scripts/sam-local.sh test
