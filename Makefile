# FOOF: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV  := .venv/bin
export SAM_CLI_TELEMETRY := 0

.PHONY: run sam-local test test-sam-local test-iam test-external lint unit bench fuzz build-lambda sam-build setup clean-local

## run: the whole API on http://127.0.0.1:$${PORT:-4000} over local emulators (Ctrl-C stops all)
run:
	scripts/run.sh

## sam-local: the whole API on http://127.0.0.1:$${PORT:-3000} through `sam local start-api`,
## each function in its own container (installs and starts Docker's engine if needed)
sam-local:
	scripts/sam-local.sh serve

## test: template lint, unit tests, integration tests, a short fuzz run, and the sam-local pass
## with the IAM proof, against private emulators
test: setup lint
	scripts/with-emulators.sh scripts/test-all.sh

## test-sam-local: every route through `sam local` compared with the dev server, then the IAM
## proof over every AWS call the functions made (also `make test-iam`)
test-sam-local: setup
	$(VENV)/python -m unittest discover -s tests/deployed -p 'test_*.py'
	scripts/with-emulators.sh scripts/sam-local.sh test

test-iam: test-sam-local

## test-external: the suite against emulators that are already running (AWS_ENDPOINT_URL=…)
test-external:
	@test -n "$$AWS_ENDPOINT_URL" || { echo "set AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_DYNAMODB if DynamoDB is elsewhere)"; exit 2; }
	source scripts/local-env.sh && $(VENV)/python localstack/bootstrap.py && cargo test --workspace --locked

## lint: the SAM template, offline
lint: setup
	$(VENV)/sam validate --lint --template template.yaml --region us-east-1

## bench: cold starts, warm latency, AWS calls and CPU per request, search CPU by query shape,
## binary sizes, search at 1k/10k items; prints the tables and writes docs/performance.md
bench: build-lambda
	cargo build --release --bins
	scripts/with-emulators.sh target/release/foof-bench

## fuzz: schemathesis against docs/openapi.yaml, every operation, 200 examples each
fuzz: setup
	scripts/with-emulators.sh scripts/fuzz.sh 200

## unit: only the tests that need no emulator
unit:
	cargo test --workspace --lib --bins

## build-lambda: release arm64 function binaries with cargo-lambda (needs the aarch64 target)
build-lambda: setup
	PATH="$$PWD/.venv/bin:$$PATH" cargo lambda build --release --arm64 --bin users --bin items --bin favorites --bin chats --bin trades --bin search --bin images

## sam-build: what `sam deploy` uploads
sam-build: setup
	PATH="$$PWD/.venv/bin:$$PATH" $(VENV)/sam build --beta-features

setup:
	scripts/setup.sh

clean-local:
	rm -rf .local .venv
