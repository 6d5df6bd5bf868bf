#!/usr/bin/env bash
# Kill and resume: for every built agent, a run stopped by SIGINT, SIGTERM or
# SIGKILL at a fixed point and then resumed (twice, for SIGKILL) must end with
# the same metrics.csv and episodes.csv as an uninterrupted run of the same
# seed. The stop points come from CDRL_TEST_RAISE=SIG@N (the signal is raised
# after the N-th progress line), so the test has no timing in it. Columns
# whose name says they measure wall time (time, sec, sps, per_s) are left out
# of the comparison. Each agent runs on cartpole with a small step budget,
# and mb also on pendulum (continuous actions, CEM) with a small planner;
# pg-bonus is pg with the exploration bonus on mountaincar, whose final
# checkpoint (model, its Adam state, the transitions) must match byte for byte.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

for case in pg pg-bonus mb mb-pendulum; do
  agent=${case%%-*}
  # Small and frequent: a checkpoint every 2 iterations, a progress line every
  # one. The budget must allow well over 3 iterations (updates for pg,
  # episodes for mb) and stay quick.
  case $case in pg) steps=20000 ;; pg-bonus) steps=16000 ;; mb) steps=1000 ;; mb-pendulum) steps=1000 ;; esac
  args=(--agent "$agent" --env cartpole --seed 3 --steps "$steps"
        --set run.checkpoint_every=2 --set run.log_every=1 --set run.stop_when_solved=false)
  [ "$case" = mb-pendulum ] && args=(--agent mb --env pendulum --seed 3 --steps "$steps"
        --set run.checkpoint_every=2 --set run.log_every=1 --set run.stop_when_solved=false
        --set agent.planner.candidates=20 --set agent.planner.horizon=10 --set agent.planner.iterations=2
        --set agent.planner.particles=2 --set agent.planner.elites=4 --set agent.model.fit_steps=100)
  [ "$case" = pg-bonus ] && args=(--agent pg --env mountaincar --seed 3 --steps "$steps"
        --set run.checkpoint_every=2 --set run.log_every=1 --set run.stop_when_solved=false
        --set agent.bonus.beta=0.2)
  "$cdrl" train "${args[@]}" --out "$case-whole" >/dev/null || { echo "FAIL $case: uninterrupted run"; fail=1; continue; }
  for sig in INT TERM KILL; do
    dir="$case-$sig"
    CDRL_TEST_RAISE="$sig@3" "$cdrl" train "${args[@]}" --out "$dir" >/dev/null 2>"$dir.err"
    status=$?
    case $sig in INT) want=130 ;; TERM) want=143 ;; KILL) want=137 ;; esac
    if [ "$status" = 0 ]; then echo "FAIL $case $sig: the run ended before its 3rd progress line; give it a larger budget here"; fail=1; continue; fi
    if [ "$status" != "$want" ]; then echo "FAIL $case $sig: exit $status, wanted $want ($(cat "$dir.err"))"; fail=1; continue; fi
    if [ "$sig" != KILL ] && ! grep -q "cdrl train --resume $dir" "$dir.err"; then
      echo "FAIL $case $sig: the message does not say how to resume: $(cat "$dir.err")"; fail=1; continue
    fi
    if [ "$sig" = KILL ]; then # killed again during the first resume
      CDRL_TEST_RAISE="KILL@2" "$cdrl" train --resume "$dir" >/dev/null 2>&1
    fi
    "$cdrl" train --resume "$dir" >/dev/null 2>"$dir.err" || { echo "FAIL $case $sig: resume: $(cat "$dir.err")"; fail=1; continue; }
    same_run "$case-resume-after-$sig" "$case-whole" "$dir"
    if [ "$case" = pg-bonus ]; then
      if cmp -s "$case-whole/checkpoint.bin" "$dir/checkpoint.bin"; then echo "ok $case-checkpoint-after-$sig"
      else echo "FAIL $case-checkpoint-after-$sig: $dir/checkpoint.bin differs from the uninterrupted run's"; fail=1; fi
    fi
  done
  # A checkpoint from another config is refused, not silently used.
  cp "$case-whole/checkpoint.bin" "$case-INT/checkpoint.bin" 2>/dev/null
  sed -i 's/seed = 3;/seed = 4;/' "$case-INT/config.cfg" 2>/dev/null
  out=$("$cdrl" train --resume "$case-INT" 2>&1 >/dev/null); status=$?
  if [ "$status" = 2 ] && grep -q "different config" <<<"$out"; then echo "ok $case-config-mismatch"; else echo "FAIL $case-config-mismatch: exit $status: $out"; fail=1; fi
done
exit $fail
