#!/usr/bin/env bash
# Runs a command against a private pair of emulators on free ports, so it works while
# `make run` holds the default ports; stops them afterwards, whatever the command's result.
#   scripts/with-emulators.sh cargo test --workspace
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/local-env.sh

state=$(mktemp -d "${TMPDIR:-/tmp}/foof-emulators.XXXXXX")
trap 'scripts/emulators.sh stop "$state"; rm -rf "$state"' EXIT INT TERM
ddb_port=$(python3 scripts/free-port.py)
moto_port=$(python3 scripts/free-port.py)
scripts/emulators.sh start "$ddb_port" "$moto_port" "$state"
export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port"
"$@"
