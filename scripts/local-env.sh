# Sourced by the scripts: the environment every local run shares (fake credentials, one region,
# a stable dev JWT secret kept out of the repo).
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_DEFAULT_REGION=$AWS_REGION
export AWS_EC2_METADATA_DISABLED=true
if [ -z "${JWT_SECRET:-}" ] && [ -z "${JWT_SECRET_PARAMETER:-}" ]; then
  mkdir -p .local
  [ -s .local/jwt-secret ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >.local/jwt-secret
  JWT_SECRET=$(cat .local/jwt-secret)
  export JWT_SECRET
fi
