#!/usr/bin/env bash
# The deployed shape on this machine: `sam local start-api` on template.yaml, each function its
# own binary (built by `sam build` through cargo-lambda) in its own container, with the
# environment the template gives it, against the local emulators.
#
#   scripts/sam-local.sh serve   the API on http://127.0.0.1:${PORT:-3000} until Ctrl-C (`make sam-local`)
#   scripts/sam-local.sh test    the same in the background, then tests/deployed/: every route
#                                compared with the dev server's replies, and every AWS call each
#                                function made checked against its role (`make test-sam-local`)
#
# Emulators: the ones AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB name, else a private pair.
# Whatever this script starts (Docker engine, emulators, recorder, servers) it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=${1:-}
[[ "$mode" == serve || "$mode" == test ]] || { echo "usage: $0 serve|test" >&2; exit 2; }
scripts/setup.sh
source scripts/local-env.sh
export SAM_CLI_TELEMETRY=0 PATH="$root/.venv/bin:$PATH"
log() { printf 'sam-local: %s\n' "$*" >&2; }
free_port() { python3 scripts/free-port.py; }

state=$(mktemp -d "${TMPDIR:-/tmp}/foof-sam-local.XXXXXX")
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # sam removes its warm containers when it is stopped; these are the ones a crash left behind.
  docker ps -aq --filter "label=sam.cli.container.type=lambda" 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
  [ -z "${own_emulators:-}" ] || scripts/emulators.sh stop "$state"
  scripts/docker-engine.sh stop "$state"
  rm -rf "$state"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

case "$(uname -m)" in aarch64 | arm64) architecture=arm64 ;; *) architecture=x86_64 ;; esac
if [ "$mode" = serve ]; then prefix=foof; else prefix="foofsam$$"; fi
bucket="$prefix-images"
port=${PORT:-3000}
[ "$mode" = serve ] || port=$(free_port)

scripts/docker-engine.sh start "$state"

if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
  own_emulators=1
  ddb_port=$(free_port); moto_port=$(free_port)
  scripts/emulators.sh start "$ddb_port" "$moto_port" "$state"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port"
fi
export AWS_ENDPOINT_URL_DYNAMODB=${AWS_ENDPOINT_URL_DYNAMODB:-$AWS_ENDPOINT_URL}
TABLE_PREFIX=$prefix IMAGES_BUCKET=$bucket .venv/bin/python localstack/bootstrap.py >/dev/null
# The functions that check tokens read the secret from SSM at cold start, as on AWS.
secret_parameter=/foof/jwt-secret
.venv/bin/python scripts/jwt-secret.py ensure "$secret_parameter" >/dev/null

log "building the ten functions for $architecture (sam build, cargo-lambda, debug profile)"
SAM_BUILD_MODE=debug sam build --parameter-overrides "Architecture=$architecture" \
  --build-dir .aws-sam/local --no-cached >"$state/sam-build.log" 2>&1 ||
  { tail -30 "$state/sam-build.log" >&2; exit 1; }

# Containers reach this machine at the bridge gateway, not at 127.0.0.1; each function gets a
# port of its own on the recorder, which forwards to the emulators and logs what it forwards.
gateway=$(scripts/docker-engine.sh gateway)
functions=(UsersFunction ItemsFunction FavoritesFunction ChatsFunction TradesFunction SafetyFunction SearchFunction ImagesFunction CompactorFunction ExpiryFunction)
assignments=()
env_file="$state/env.json"
{
  printf '{"Parameters": {"TABLE_PREFIX": "%s", "IMAGES_BUCKET": "%s", "PUBLIC_BASE_URL": "http://127.0.0.1:%s",' "$prefix" "$bucket" "$port"
  printf ' "MAIL_FROM": "noreply@foof.local", "JWT_SECRET_PARAMETER": "%s"}' "$secret_parameter"
  for function in "${functions[@]}"; do
    function_port=$(free_port)
    assignments+=("$function=$function_port")
    # The compactor folds every term it is handed here, however few deltas wait.
    extra=""; [ "$function" = CompactorFunction ] && extra=', "COMPACT_AT_DELTAS": "1"'
    printf ', "%s": {"EMULATOR_ENDPOINT_URL": "http://%s:%s", "EMULATOR_DYNAMODB_ENDPOINT_URL": "http://%s:%s"%s}' \
      "$function" "$gateway" "$function_port" "$gateway" "$function_port" "$extra"
  done
  printf '}\n'
} >"$env_file"
# Kept after the run (.local/ is ignored by git), to read what each function called.
mkdir -p .local/sam-local
calls=.local/sam-local/calls.jsonl
: >"$calls"
.venv/bin/python tests/deployed/recorder.py --bind "$gateway" --calls "$calls" \
  --dynamodb "$AWS_ENDPOINT_URL_DYNAMODB" --others "$AWS_ENDPOINT_URL" "${assignments[@]}" >"$state/recorder.log" 2>&1 &
pids+=($!)

sam local start-api --template .aws-sam/local/template.yaml --parameter-overrides "Architecture=$architecture" \
  --env-vars "$env_file" --host 127.0.0.1 --port "$port" --skip-pull-image --warm-containers EAGER \
  >"$state/sam.log" 2>&1 &
pids+=($!)
for attempt in $(seq 1 240); do
  if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/item/0" 2>/dev/null | grep -q 200; then break; fi
  if [ "$attempt" = 240 ] || ! kill -0 "${pids[-1]}" 2>/dev/null; then tail -30 "$state/sam.log" >&2; log "sam local did not start"; exit 1; fi
  sleep 0.5
done

if [ "$mode" = serve ]; then
  log "FOOF API through sam local on http://127.0.0.1:$port (functions in containers; emulators $AWS_ENDPOINT_URL, $AWS_ENDPOINT_URL_DYNAMODB); Ctrl-C stops all"
  tail -f "$state/sam.log" &
  pids+=($!)
  wait "${pids[1]}"
  exit 0
fi

# The reference: the dev server (every router in one process) on state of its own, with the
# code-request limit the functions have.
reference_prefix="foofref$$"
TABLE_PREFIX=$reference_prefix IMAGES_BUCKET="$reference_prefix-images" .venv/bin/python localstack/bootstrap.py >/dev/null
started=$(date +%s)
compared=0
TABLE_PREFIX=$reference_prefix IMAGES_BUCKET="$reference_prefix-images" MAIL_FROM=noreply@foof.local \
  CODE_REQUESTS_PER_SOURCE_PER_HOUR=20 scripts/with-devserver.sh .venv/bin/python tests/deployed/scenario.py \
  --subject "http://127.0.0.1:$port" --subject-stack "$prefix" --outbox "$AWS_ENDPOINT_URL" --transcripts .local/sam-local || compared=$?
log "the scenario took $(($(date +%s) - started)) s"

# The compactor is not behind the API: invoked as the postings stream would invoke it, with the
# keys of the deltas the scenario wrote; the searches must answer the same after the fold.
packed=0
.venv/bin/python tests/deployed/compaction_check.py --api "http://127.0.0.1:$port" --table "$prefix-postings" \
  --template .aws-sam/local/template.yaml --env-vars "$env_file" --architecture "$architecture" \
  --event "$state/stream-event.json" || packed=$?
# The expiry sweep is not behind the API either: invoked as its daily schedule would invoke it,
# dated past the listing age, it must withdraw what the scenario left open.
expired=0
.venv/bin/python tests/deployed/expiry_check.py --api "http://127.0.0.1:$port" --table "$prefix-items" \
  --template .aws-sam/local/template.yaml --env-vars "$env_file" --architecture "$architecture" \
  --event "$state/schedule-event.json" || expired=$?
log "$(wc -l <"$calls") AWS calls recorded in $calls"

# The proof runs even when the comparison failed: both verdicts are worth reading.
proved=0
.venv/bin/python tests/deployed/iam_proof.py --template template.yaml --calls "$calls" --stack "$prefix" \
  --bucket "$bucket" --parameter "JwtSecretParameterName=$secret_parameter" --parameter MailFrom=noreply@foof.local \
  --mutations || proved=$?
[ "$compared" = 0 ] && [ "$packed" = 0 ] && [ "$expired" = 0 ] && [ "$proved" = 0 ]
