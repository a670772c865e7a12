#!/usr/bin/env bash
# Runs `cargo test` with the given arguments and ends with one line totalling every test
# binary's results ("summary: N passed, N failed"), since cargo's own last line is only the
# last binary's (often the empty doc-test run).
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -oE 'test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -oE '[0-9]+ failed;' "$log" | awk '{s += $1} END {print s + 0}')
echo "summary: $passed passed, $failed failed"
exit "$status"
