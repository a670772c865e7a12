#!/bin/bash
# LocalStack init hook (ready stage): creates FOOF's resources with the same bootstrap as
# `make run` / `make test` (localstack/bootstrap.py), in the LocalStack that runs it.
#   - scripts/localstack.sh (host mode) links this folder into its FILESYSTEM_ROOT's
#     etc/localstack/init/ready.d and sets FOOF_ROOT (the repo), FOOF_PYTHON (the project's
#     .venv python, which has boto3 and PyYAML) and FOOF_ENDPOINT_URL (the gateway).
#   - LocalStack's container: mount the repository at /opt/foof and this folder at
#     /etc/localstack/init/ready.d (the image's python3 has boto3; add PyYAML if it lacks it).
set -euo pipefail
export AWS_ENDPOINT_URL=${FOOF_ENDPOINT_URL:-${AWS_ENDPOINT_URL:-http://localhost:4566}}
# Every service, DynamoDB included, is the LocalStack this hook runs in.
unset AWS_ENDPOINT_URL_DYNAMODB AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SES AWS_ENDPOINT_URL_SNS
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_REGION=${AWS_REGION:-us-east-1}
"${FOOF_PYTHON:-python3}" "${FOOF_ROOT:-/opt/foof}/localstack/bootstrap.py"
