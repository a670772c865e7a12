#!/usr/bin/env bash
# Runs a command against a dev server of its own on a free port (its address in BASE_URL), over
# the emulators the environment names, and stops the server afterwards.
#   scripts/with-devserver.sh make smoke
set -euo pipefail
cd "$(dirname "$0")/.."
port=$(python3 scripts/free-port.py)
cargo build --quiet --bin foof-devserver
# A test run asks for many codes from one address, and every run on these emulators counts in
# one service-wide SMS budget; both limits have tests of their own (a caller that compares
# against the production limits sets them).
PORT=$port RUST_LOG=warn CODE_REQUESTS_PER_SOURCE_PER_HOUR=${CODE_REQUESTS_PER_SOURCE_PER_HOUR:-1000000} \
  SMS_PER_HOUR=${SMS_PER_HOUR:-1000000} \
  target/debug/foof-devserver &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/openapi.yaml" && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$port" "$@"
