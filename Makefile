# FOOF: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV  := .venv/bin
export SAM_CLI_TELEMETRY := 0

.PHONY: moderator run sam-local test test-sam-local test-iam test-localstack test-external lint unit bench bench-search bench-lambda fuzz build-lambda sam-build smoke deploy logs delete lint-workflows setup clean-local

## run: the whole API on http://127.0.0.1:$${PORT:-4000} over local emulators (Ctrl-C stops all)
run:
	scripts/run.sh

## sam-local: the whole API on http://127.0.0.1:$${PORT:-3000} through `sam local start-api`,
## each function in its own container (installs and starts Docker's engine if needed)
sam-local:
	scripts/sam-local.sh serve

## test: template lint, unit tests, integration tests, a short fuzz run, and the sam-local pass
## with the IAM proof, against private emulators; then the Rust suite again against LocalStack
test: setup lint
	scripts/with-emulators.sh scripts/test-all.sh
	$(MAKE) --no-print-directory test-localstack

## test-sam-local: every route through `sam local` compared with the dev server, then the IAM
## proof over every AWS call the functions made (also `make test-iam`)
test-sam-local: setup
	$(VENV)/python -m unittest discover -s tests/deployed -p 'test_*.py'
	scripts/with-emulators.sh scripts/sam-local.sh test

test-iam: test-sam-local

## test-localstack: the Rust suite (unit, integration, Lambda runtime) against LocalStack in host
## mode, offline, on a free port; its init hook creates the resources; stopped afterwards
test-localstack: setup
	scripts/localstack.sh with scripts/cargo-test-summary.sh --workspace --locked --lib --bins --tests

## test-external: the suite against emulators that are already running (AWS_ENDPOINT_URL=…)
test-external: setup
	@test -n "$$AWS_ENDPOINT_URL" || { echo "set AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_DYNAMODB if DynamoDB is elsewhere)"; exit 2; }
	source scripts/local-env.sh && $(VENV)/python localstack/bootstrap.py && cargo test --workspace --locked

## lint: rustfmt and clippy (warnings are errors), the SAM template and the GitHub Actions workflows, offline
lint: setup lint-workflows
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	$(VENV)/sam validate --lint --template template.yaml --region us-east-1

## bench: cold starts, warm latency, AWS calls and CPU per request, search CPU by query shape,
## binary sizes, search at scale (below); prints the tables and writes docs/performance.md
bench: build-lambda
	cargo build --release --bins
	cargo build --release -p foof-tests --bin foof-bench
	scripts/with-emulators.sh target/release/foof-bench

## bench-search: only search at scale: a realistic corpus at 10k and 100k items (seeding and
## compacting 100k took 33 minutes on 2 cores), p50/p95, DynamoDB calls and our CPU per 1/3/9-term
## query, and add item; prints the table and replaces its section of docs/performance.md
## (FOOF_BENCH_REPORT=… writes elsewhere, FOOF_BENCH_SEARCH_SIZES=1000,5000 other sizes)
bench-search:
	cargo build --release --locked -p foof-devserver -p foof-search -p foof-items -p foof-tests \
	  --bin foof-devserver --bin search --bin items --bin foof-bench
	scripts/with-emulators.sh target/release/foof-bench search

## bench-lambda: each function binary as Lambda runs and bills it (AWS's Runtime Interface
## Emulator, a cgroup with the CPU share of 128-1024 MB, AWS calls over TLS); init, first
## request, warm p50/p99, billed ms; writes docs/performance-lambda.md (as root; ~3 min)
bench-lambda: setup
	scripts/with-emulators.sh $(VENV)/python scripts/bench-lambda.py

## fuzz: schemathesis against docs/openapi.yaml, every operation, 200 examples each
fuzz: setup
	scripts/with-emulators.sh scripts/with-devserver.sh scripts/fuzz.sh 200

## unit: only the tests that need no emulator
unit:
	cargo test --workspace --lib --bins

## build-lambda: release arm64 function binaries with cargo-lambda (needs the aarch64 target)
build-lambda: setup
	PATH="$$PWD/.venv/bin:$$PATH" cargo lambda build --release --arm64 --bin users --bin items --bin favorites --bin chats --bin trades --bin search --bin images

## sam-build: what `sam deploy` uploads
sam-build: setup
	PATH="$$PWD/.venv/bin:$$PATH" $(VENV)/sam build --beta-features

## smoke: the README's curl walkthrough as one script, against any API (default: `make run`'s):
## make smoke BASE_URL=https://… ; SMS codes from the emulator at AWS_ENDPOINT_URL, or
## FOOF_SMOKE_CODE_COMMAND=…, or typed in on a terminal (scripts/smoke.py --help)
smoke: setup
	$(VENV)/python scripts/smoke.py $(if $(BASE_URL),'$(BASE_URL)')

## lint-workflows: .github/workflows/*.yml against GitHub's workflow schema (check-jsonschema's own copy)
lint-workflows: setup
	$(VENV)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

## deploy: sam build (release, arm64) and sam deploy of the stack in samconfig.toml (it shows the
## change set and asks), after creating the SSM SecureString JWT secret if it is missing.
## JWT_SECRET_PARAMETER=… names it (default /foof/jwt-secret); other template parameters as
## PARAMETERS='MailFrom=… MailDomain=…' (a parameter not given keeps the stack's current value)
deploy: JWT_SECRET_PARAMETER ?= /foof/jwt-secret
deploy: setup
	$(VENV)/python scripts/jwt-secret.py ensure '$(JWT_SECRET_PARAMETER)'
	PATH="$$PWD/.venv/bin:$$PATH" $(VENV)/sam build --parameter-overrides 'JwtSecretParameterName=$(JWT_SECRET_PARAMETER) $(PARAMETERS)'
	$(VENV)/sam deploy --parameter-overrides 'JwtSecretParameterName=$(JWT_SECRET_PARAMETER) $(PARAMETERS)'

## logs: follow the logs of every function of the deployed stack (Ctrl-C stops)
logs: setup
	$(VENV)/sam logs --tail

## delete: delete the deployed stack (sam delete asks first). Its DynamoDB tables and images
## bucket are retained on purpose, with their data; so is the SSM JWT secret
delete: setup
	@echo "delete: the stack's DynamoDB tables and its images bucket are retained on purpose (DeletionPolicy: Retain),"
	@echo "delete: with their data, and so is the SSM JWT secret: remove them by hand once they are no longer wanted;"
	@echo "delete: until then a new stack of the same name cannot create its tables"
	$(VENV)/sam delete

## moderator: make a user a moderator (PHONE=… or UUID=…; REVOKE=1 takes the role back): in
## `make run`'s emulators, or with STACK=… in that deployed stack (usual AWS credentials)
moderator: setup
	$(if $(STACK),,source scripts/local-env.sh && export AWS_ENDPOINT_URL=$${AWS_ENDPOINT_URL:-http://127.0.0.1:4566} AWS_ENDPOINT_URL_DYNAMODB=$${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:8000} &&) $(VENV)/python scripts/moderator.py $(if $(REVOKE),revoke,grant) $(if $(UUID),--uuid '$(UUID)',--phone '$(PHONE)') $(if $(STACK),--stack '$(STACK)')

setup:
	scripts/setup.sh

clean-local:
	rm -rf .local .venv
