#!/usr/bin/env bash
# Fuzzes the running API with schemathesis against docs/openapi.yaml: every operation, with a
# login token so authenticated endpoints are reached; fails on any 5xx or any reply that does
# not conform to the document. Expects the emulators' environment (scripts/with-emulators.sh).
#   scripts/fuzz.sh EXAMPLES_PER_OPERATION
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-200}
port=$(python3 scripts/free-port.py)
cargo build --quiet --bin foof-devserver
PORT=$port RUST_LOG=warn CODE_REQUESTS_PER_SOURCE_PER_HOUR=1000000 target/debug/foof-devserver &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/openapi.yaml" && break; sleep 0.1; done
token=$(.venv/bin/python scripts/fuzz-token.py "http://127.0.0.1:$port" "$AWS_ENDPOINT_URL")
.venv/bin/st run "http://127.0.0.1:$port/openapi.yaml" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "$examples" --request-timeout 10 --seed 20261125
