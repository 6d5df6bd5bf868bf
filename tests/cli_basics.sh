#!/usr/bin/env bash
# The CLI as a user meets it: help, version, unknown commands and flags.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
check no-args 2 "^cdrl: no command given; try 'cdrl --help'$" --
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
