#!/usr/bin/env bash
# cdrl regress as a user meets it: a tiny deterministic run prints one row per
# size in the documented columns; bad options give one line and exit status 2.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
run_cdrl() { "$cdrl" regress "$@"; }
check bad-n 2 "^cdrl regress: --n 'ten'" -- --n ten
check bad-list 2 "^cdrl regress: --n '10,,20'" -- --n 10,,20
check bad-epochs 2 "^cdrl regress: --epochs '1,2'" -- --n 10,20,30 --epochs 1,2
check bad-hidden 2 "^cdrl regress: --hidden '0'" -- --hidden 0
check unknown 2 "^cdrl regress: unknown option '--frob'" -- --frob 1
check missing-value 2 "^cdrl regress: .*'--seed'" -- --seed

tiny=(--hidden 8 --n 10,30 --epochs 3 --min-steps 0 --test 40 --mc 3 --seed 5)
out=$("$cdrl" regress "${tiny[@]}") || { echo "FAIL tiny run exit $?"; fail=1; }
rows=$(grep -Ec '^ +(10|30) +3( +-?[0-9]+\.[0-9]{3}){12}$' <<<"$out")
[ "$rows" = 2 ] && echo "ok rows" || { echo "FAIL rows: $out"; fail=1; }
# calibration columns: coverages are fractions, the 90 % interval covers at least what the 50 % does
sane=$(awk '$1 ~ /^[0-9]+$/ && $12 >= 0 && $12 <= $13 && $13 <= 1 && $14 >= -1 && $14 <= 1' <<<"$out" | wc -l)
[ "$sane" = 2 ] && echo "ok calibration columns" || { echo "FAIL calibration columns: $out"; fail=1; }
again=$("$cdrl" regress "${tiny[@]}")
[ "$out" = "$again" ] && echo "ok deterministic" || { echo "FAIL same seed, different output"; fail=1; }
other=$("$cdrl" regress "${tiny[@]/5/6}")
[ "$out" != "$other" ] && echo "ok seed matters" || { echo "FAIL seed ignored"; fail=1; }
exit $fail
