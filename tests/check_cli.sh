# Sourced by the tests/cli_*.sh scripts: one way to check what the cdrl
# program says and returns, as a user meets it.
#
#   check NAME STATUS PATTERN -- ARGS...
# runs `run_cdrl ARGS...` (by default "$cdrl" ARGS...; a script may redefine
# run_cdrl, e.g. to set environment variables first), and checks its exit
# status, that stderr matches the extended regex PATTERN (unless empty), and
# that an error (status 2) is exactly one line. Failures set fail=1.
fail=${fail:-0}
run_cdrl() { "$cdrl" "$@"; }
check() {
  local name=$1 want=$2 pattern=$3; shift 4
  local out; out=$(run_cdrl "$@" 2>&1 >/dev/null); local got=$?
  if [ "$got" != "$want" ]; then echo "FAIL $name: exit $got, wanted $want ($out)"; fail=1; return; fi
  if [ -n "$pattern" ] && ! grep -Eq "$pattern" <<<"$out"; then echo "FAIL $name: stderr '$out' lacks /$pattern/"; fail=1; return; fi
  if [ "$want" = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" != 1 ]; then echo "FAIL $name: not one line: '$out'"; fail=1; return; fi
  echo "ok $name"
}
