#!/bin/bash
# LocalStack init hook: mount the repository at /opt/foof and this folder at
# /etc/localstack/init/ready.d; it runs the same bootstrap as `make run` / `make test`.
set -euo pipefail
export AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_REGION=${AWS_REGION:-us-east-1}
python3 "${FOOF_ROOT:-/opt/foof}/localstack/bootstrap.py"
