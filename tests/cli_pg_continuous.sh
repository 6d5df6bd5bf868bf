#!/usr/bin/env bash
# pg on a continuous-action env (Pendulum, the Gaussian policy), as a user
# meets it: `cdrl train --agent pg --env pendulum` finds its config; a run
# stopped by SIGINT / SIGKILL and resumed ends with the same metrics.csv,
# episodes.csv and checkpoint.bin as an uninterrupted one (Concrete dropout in
# both networks, observation normalisation and reward scaling on, so log_std,
# every generator and both running statistics are in play); the same seed
# gives the same bits; eval runs both modes; `cdrl viz` replays the policy
# headless; a recurrent policy on continuous actions is refused in one line.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
src=${2:-$(dirname "$0")/..}
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
args=(--config "$src/configs/pg_pendulum.cfg" --seed 3 --steps 12000
      --set agent.value.dropout=concrete --set agent.reward_scale=true --set agent.min_steps=200
      --set run.checkpoint_every=2 --set run.log_every=1 --set run.stop_when_solved=false)
"$cdrl" train "${args[@]}" --out whole >/dev/null || { echo "FAIL uninterrupted run"; exit 1; }
"$cdrl" train "${args[@]}" --out again >/dev/null || { echo "FAIL second run"; exit 1; }
same_run "same-seed-same-bits" whole again
stop_resume_matches whole "${args[@]}"
head -1 whole/metrics.csv | grep -q "p_policy_l1,p_policy_l2,p_value_l1,p_value_l2,mc_spread,action_std,sps" &&
  echo "ok columns" || { echo "FAIL columns: $(head -1 whole/metrics.csv)"; fail=1; }
# The learned std moves away from its start (exp(0) = 1).
std=$(tail -1 whole/metrics.csv | awk -F, '{ print $(NF-1) }')
awk -v s="$std" 'BEGIN { exit !(s > 0 && s != 1) }' && echo "ok log-std-learns" ||
  { echo "FAIL log-std-learns: action_std $std"; fail=1; }
out=$("$cdrl" eval whole 2>&1)
if grep -q "^eval mode: .*over 10 episodes" <<<"$out" &&
   grep -q "^mc mode (T=20): .*MC spread .*(std of the mean action)" <<<"$out"; then
  echo "ok eval"
else echo "FAIL eval: $out"; fail=1; fi
if "$cdrl" viz whole --frames frames --episodes 1 >/dev/null 2>viz.err && ls frames/frame_000200.png >/dev/null 2>&1; then
  echo "ok replay"
else echo "FAIL replay: $(cat viz.err)"; fail=1; fi
# The default config is found by agent and env name, and judged before a run directory exists.
if "$cdrl" train --agent pg --env pendulum --dry-run >/dev/null 2>dry.err; then echo "ok default-config"
else echo "FAIL default-config: $(cat dry.err)"; fail=1; fi
check "lstm-refused" 2 "agent.policy.kind = lstm needs discrete actions" -- \
  train "${args[@]}" --set agent.policy.kind=lstm --out lstm
[ ! -e lstm ] && echo "ok lstm-no-dir" || { echo "FAIL lstm-no-dir: a run directory was made"; fail=1; }
exit $fail
