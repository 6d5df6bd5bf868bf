#!/usr/bin/env bash
# Kill and resume: for every built agent, a run stopped by SIGINT, SIGTERM or
# SIGKILL at a fixed point and then resumed (twice, for SIGKILL) must end with
# the same metrics.csv and episodes.csv as an uninterrupted run of the same
# seed. The stop points come from CDRL_TEST_RAISE=SIG@N (the signal is raised
# after the N-th progress line), so the test has no timing in it. Columns
# whose name says they measure wall time (time, sec, sps, per_s) are left out
# of the comparison. Each agent runs on cartpole with a small step budget.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

for agent in pg mb; do
  # Small and frequent: a checkpoint every 2 iterations, a progress line every
  # one. The budget must allow well over 3 iterations (updates for pg,
  # episodes for mb) and stay quick.
  case $agent in pg) steps=20000 ;; mb) steps=1000 ;; esac
  args=(--agent "$agent" --env cartpole --seed 3 --steps "$steps"
        --set run.checkpoint_every=2 --set run.log_every=1 --set run.stop_when_solved=false)
  "$cdrl" train "${args[@]}" --out "$agent-whole" >/dev/null || { echo "FAIL $agent: uninterrupted run"; fail=1; continue; }
  for sig in INT TERM KILL; do
    dir="$agent-$sig"
    CDRL_TEST_RAISE="$sig@3" "$cdrl" train "${args[@]}" --out "$dir" >/dev/null 2>"$dir.err"
    status=$?
    case $sig in INT) want=130 ;; TERM) want=143 ;; KILL) want=137 ;; esac
    if [ "$status" = 0 ]; then echo "FAIL $agent $sig: the run ended before its 3rd progress line; give it a larger budget here"; fail=1; continue; fi
    if [ "$status" != "$want" ]; then echo "FAIL $agent $sig: exit $status, wanted $want ($(cat "$dir.err"))"; fail=1; continue; fi
    if [ "$sig" != KILL ] && ! grep -q "cdrl train --resume $dir" "$dir.err"; then
      echo "FAIL $agent $sig: the message does not say how to resume: $(cat "$dir.err")"; fail=1; continue
    fi
    if [ "$sig" = KILL ]; then # killed again during the first resume
      CDRL_TEST_RAISE="KILL@2" "$cdrl" train --resume "$dir" >/dev/null 2>&1
    fi
    "$cdrl" train --resume "$dir" >/dev/null 2>"$dir.err" || { echo "FAIL $agent $sig: resume: $(cat "$dir.err")"; fail=1; continue; }
    same_run "$agent-resume-after-$sig" "$agent-whole" "$dir"
  done
  # A checkpoint from another config is refused, not silently used.
  cp "$agent-whole/checkpoint.bin" "$agent-INT/checkpoint.bin" 2>/dev/null
  sed -i 's/seed = 3;/seed = 4;/' "$agent-INT/config.cfg" 2>/dev/null
  out=$("$cdrl" train --resume "$agent-INT" 2>&1 >/dev/null); status=$?
  if [ "$status" = 2 ] && grep -q "different config" <<<"$out"; then echo "ok $agent-config-mismatch"; else echo "FAIL $agent-config-mismatch: exit $status: $out"; fail=1; fi
done
exit $fail
