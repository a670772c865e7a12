#!/usr/bin/env bash
# `make run`: the whole API on http://127.0.0.1:${PORT:-4000} over DynamoDB Local (:8000) and
# moto (:4566). Ctrl-C stops the server and both emulators.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/local-env.sh

state=.local/run
mkdir -p "$state"
scripts/emulators.sh stop "$state"  # leftovers of a run that was killed hard
trap 'scripts/emulators.sh stop "$state"' EXIT INT TERM
scripts/emulators.sh start "${DDB_PORT:-8000}" "${MOTO_PORT:-4566}" "$state"
export AWS_ENDPOINT_URL="http://127.0.0.1:${MOTO_PORT:-4566}"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:${DDB_PORT:-8000}"
export PORT=${PORT:-4000}
# A developer asks for many codes from one address; the production default is 20 an hour.
export CODE_REQUESTS_PER_SOURCE_PER_HOUR=${CODE_REQUESTS_PER_SOURCE_PER_HOUR:-100000}
export SMS_PER_HOUR=${SMS_PER_HOUR:-100000}
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}
cargo build --quiet --bin foof-devserver
echo "FOOF API on http://127.0.0.1:$PORT  (DynamoDB Local :${DDB_PORT:-8000}, moto :${MOTO_PORT:-4566}); Ctrl-C stops all"
target/debug/foof-devserver
