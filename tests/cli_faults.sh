#!/usr/bin/env bash
# Faults a run must survive (docs/reliability.md): kills at random points
# (10 trials of scripts/faults, pg and mb), a full disk (a file-size limit)
# at the first and at a later checkpoint, and two writers on one run.
# Every case ends with the same CSV files as an uninterrupted run.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
src=$2
bash "$src/scripts/faults" "$cdrl" 10 20 || fail=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pg=(train --agent pg --env cartpole --steps 3000 --set run.checkpoint_every=2)
"$cdrl" "${pg[@]}" --out whole >/dev/null 2>&1

# Disk full: the first checkpoint (~30 kB) does not fit under 8 kB; a later one
# does not fit once the CSV files have grown (a limit just above the first
# checkpoint). The error is one line, no temporary file is left, and once the
# disk has room, --resume ends with the uninterrupted run's files.
for limit in 8 40; do
  ( ulimit -f $limit; "$cdrl" "${pg[@]}" --out full$limit >/dev/null 2>full$limit.err ); status=$?
  if [ "$status" = 2 ] && grep -q "File too large" full$limit.err && [ "$(wc -l < full$limit.err)" = 1 ] &&
     ! ls full$limit | grep -q '\.tmp\.'; then
    echo "ok disk-full-${limit}k"
  else
    echo "FAIL disk-full-${limit}k: exit $status: $(cat full$limit.err)"; fail=1
  fi
  "$cdrl" train --resume full$limit >/dev/null 2>&1
  same_run disk-full-${limit}k-resumed whole full$limit
done

# Two writers: two resumes of one stopped run started together. The lock lets
# one write at a time: the other is refused with one line, or (if the first
# had already finished) finds nothing left to do. The files are the
# uninterrupted run's either way, with no duplicated rows.
for trial in 1 2 3; do
  CDRL_TEST_RAISE=INT@2 "$cdrl" "${pg[@]}" --out two$trial >/dev/null 2>&1
  "$cdrl" train --resume two$trial >/dev/null 2>two$trial.a & a=$!
  "$cdrl" train --resume two$trial >/dev/null 2>two$trial.b & b=$!
  wait $a; sa=$?; wait $b; sb=$?
  ok=1
  for s in "$sa:two$trial.a" "$sb:two$trial.b"; do
    code=${s%%:*}; file=${s#*:}
    [ "$code" = 0 ] || { [ "$code" = 2 ] && grep -q "is in use by another cdrl" "$file"; } || ok=
  done
  [ -n "$ok" ] && echo "ok two-writers-$trial ($sa, $sb)" || { echo "FAIL two-writers-$trial: $sa $sb $(cat two$trial.a two$trial.b)"; fail=1; }
  "$cdrl" train --resume two$trial >/dev/null 2>&1
  same_run two-writers-$trial-files whole two$trial
done
exit $fail
