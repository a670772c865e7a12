#!/usr/bin/env bash
# Fuzzes the API at BASE_URL with schemathesis against docs/openapi.yaml: every operation, with
# a login token so authenticated endpoints are reached; fails on any 5xx or any reply that does
# not conform to the document. Expects the emulators' environment (scripts/with-emulators.sh)
# and a server (scripts/with-devserver.sh).
#   scripts/with-devserver.sh scripts/fuzz.sh EXAMPLES_PER_OPERATION
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-200}
token=$(.venv/bin/python scripts/fuzz-token.py "$BASE_URL" "$AWS_ENDPOINT_URL")
.venv/bin/st run "$BASE_URL/openapi.yaml" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "$examples" --request-timeout 10 --seed 20261125
# Then what schemathesis does not generate: inputs built to cost (nesting, size, bad bytes).
.venv/bin/python scripts/fuzz-hostile.py "$BASE_URL" "$token"
