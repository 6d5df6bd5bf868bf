#!/usr/bin/env bash
# The CLI as a user meets it: help, version, unknown commands and flags.
set -u
cdrl=$1
fail=0
check() { # check NAME EXPECTED_STATUS EXPECTED_STDERR_REGEX -- ARGS...
  local name=$1 want=$2 pattern=$3; shift 4
  local out; out=$("$cdrl" "$@" 2>&1 >/dev/null); local got=$?
  if [ "$got" != "$want" ]; then echo "FAIL $name: exit $got, wanted $want ($out)"; fail=1; return; fi
  if [ -n "$pattern" ] && ! grep -Eq "$pattern" <<<"$out"; then echo "FAIL $name: stderr '$out' lacks /$pattern/"; fail=1; return; fi
  echo "ok $name"
}
check no-args 2 "usage: cdrl" --
check unknown-command 2 "^cdrl: unknown command 'frobnicate'" -- frobnicate
check unknown-flag 2 "^cdrl: unknown option '--frob'" -- --frob
check help 0 "" -- --help
check version 0 "" -- --version
"$cdrl" --help | grep -q "train" || { echo "FAIL help lists train"; fail=1; }
"$cdrl" --version | grep -Eq "^cdrl [0-9]+\.[0-9]+\.[0-9]+$" || { echo "FAIL version format"; fail=1; }
for c in train eval bench regress viz sweep; do
  "$cdrl" $c --help >/dev/null || { echo "FAIL $c --help"; fail=1; }
done
exit $fail
