#!/usr/bin/env bash
# cdrl regress as a user meets it: a tiny deterministic run prints one row per
# size in the documented columns; bad options give one line and exit status 2.
set -u
cdrl=$1
fail=0
check() { # check NAME EXPECTED_STATUS EXPECTED_STDERR_REGEX -- ARGS...
  local name=$1 want=$2 pattern=$3; shift 4
  local out; out=$("$cdrl" regress "$@" 2>&1 >/dev/null); local got=$?
  if [ "$got" != "$want" ]; then echo "FAIL $name: exit $got, wanted $want ($out)"; fail=1; return; fi
  if [ -n "$pattern" ] && ! grep -Eq "$pattern" <<<"$out"; then echo "FAIL $name: stderr '$out' lacks /$pattern/"; fail=1; return; fi
  if [ -n "$pattern" ] && [ "$(wc -l <<<"$out")" != 1 ]; then echo "FAIL $name: more than one line"; fail=1; return; fi
  echo "ok $name"
}
check bad-n 2 "^cdrl regress: --n 'ten'" -- --n ten
check bad-list 2 "^cdrl regress: --n '10,,20'" -- --n 10,,20
check bad-epochs 2 "^cdrl regress: --epochs '1,2'" -- --n 10,20,30 --epochs 1,2
check bad-hidden 2 "^cdrl regress: --hidden '0'" -- --hidden 0
check unknown 2 "^cdrl regress: unknown option '--frob'" -- --frob 1
check missing-value 2 "^cdrl regress: .*'--seed'" -- --seed

tiny=(--hidden 8 --n 10,30 --epochs 3 --min-steps 0 --test 40 --mc 3 --seed 5)
out=$("$cdrl" regress "${tiny[@]}") || { echo "FAIL tiny run exit $?"; fail=1; }
rows=$(grep -Ec '^ +(10|30) +3( +[0-9]+\.[0-9]{3}){8}$' <<<"$out")
[ "$rows" = 2 ] && echo "ok rows" || { echo "FAIL rows: $out"; fail=1; }
again=$("$cdrl" regress "${tiny[@]}")
[ "$out" = "$again" ] && echo "ok deterministic" || { echo "FAIL same seed, different output"; fail=1; }
other=$("$cdrl" regress "${tiny[@]/5/6}")
[ "$out" != "$other" ] && echo "ok seed matters" || { echo "FAIL seed ignored"; fail=1; }
exit $fail
