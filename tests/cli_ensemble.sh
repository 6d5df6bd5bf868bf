#!/usr/bin/env bash
# The mb agent with an ensemble (agent.model.uncertainty = ensemble:K) as a
# user meets it: tiny runs with random shooting (CartPole), CEM and beta
# (Pendulum) and Thompson sampling; the progress line states the compute
# (K x the parameters, the same planning FLOPs at the same particles); the
# same seed gives the same files; a run stopped after its 3rd episode and
# resumed ends with the files (checkpoint byte for byte) of an uninterrupted
# one; bad values are one line, exit 2.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
src=${2:-.}
export LSAN_OPTIONS="suppressions=$src/tests/lsan_system.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
tmp=$(mktemp -d /tmp/cdrl_cli_ensemble.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
small=(train --agent mb --env cartpole --seed 3 --steps 300 --set run.stop_when_solved=false
       --set agent.model.fit_steps=60 --set agent.planner.candidates=20 --set agent.planner.horizon=8
       --set agent.planner.particles=3 --set run.checkpoint_every=1)
ens=(--set agent.model.uncertainty=ensemble:3)

"$cdrl" "${small[@]}" --out "$tmp/drop" > "$tmp/drop.out" 2>&1 || { echo "FAIL dropout run"; fail=1; }
"$cdrl" "${small[@]}" "${ens[@]}" --out "$tmp/a" > "$tmp/a.out" 2>&1 || { echo "FAIL ensemble run"; cat "$tmp/a.out"; fail=1; }
# compute: "dropout: N params, plan F MFLOP/step" against "ensemble:3: 3N params, plan F MFLOP/step"
read -r pd fd < <(grep -o 'dropout: [0-9]* params, plan [0-9.e+]* MFLOP' "$tmp/drop.out" | tail -1 | awk '{ print $2, $5 }')
read -r pe fe < <(grep -o 'ensemble:3: [0-9]* params, plan [0-9.e+]* MFLOP' "$tmp/a.out" | tail -1 | awk '{ print $2, $5 }')
[ -n "${pd:-}" ] && [ -n "${pe:-}" ] && [ "$pe" = $((3 * pd)) ] && [ "$fe" = "$fd" ] \
  && echo "ok compute: $pd vs $pe params, $fd MFLOP per planning step" \
  || { echo "FAIL compute lines: '${pd:-} ${fd:-}' '${pe:-} ${fe:-}'"; fail=1; }
rows=$(($(wc -l < "$tmp/a/metrics.csv") - 1))
spread=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "probe_far_spread") c = i; next } { print $c }' "$tmp/a/metrics.csv" | tail -1)
[ "$rows" -ge 3 ] && awk -v s="$spread" 'BEGIN { exit !(s > 0) }' && echo "ok ensemble metrics ($rows rows, far spread $spread)" \
  || { echo "FAIL ensemble metrics: $rows rows, far spread '$spread'"; fail=1; }

"$cdrl" "${small[@]}" "${ens[@]}" --out "$tmp/b" >/dev/null 2>&1
same_run "same seed, same ensemble run" "$tmp/a" "$tmp/b"
CDRL_TEST_RAISE="INT@3" "$cdrl" "${small[@]}" "${ens[@]}" --out "$tmp/stop" >/dev/null 2>&1
"$cdrl" train --resume "$tmp/stop" >/dev/null 2>&1 || { echo "FAIL resume"; fail=1; }
same_run "stopped and resumed = uninterrupted" "$tmp/a" "$tmp/stop"
cmp -s "$tmp/a/checkpoint.bin" "$tmp/stop/checkpoint.bin" && echo "ok checkpoint byte-identical" \
  || { echo "FAIL checkpoint differs after resume"; fail=1; }

"$cdrl" "${small[@]}" "${ens[@]}" --set agent.planner.thompson=true --out "$tmp/ts" >/dev/null 2>&1 \
  && echo "ok ensemble with thompson" || { echo "FAIL ensemble with thompson"; fail=1; }
"$cdrl" train --agent mb --env pendulum --seed 1 --steps 400 --set run.stop_when_solved=false \
  --set agent.model.fit_steps=60 --set agent.planner.candidates=20 --set agent.planner.horizon=8 \
  --set agent.planner.particles=2 --set agent.planner.beta=1 --set agent.model.logvar=true \
  --set agent.model.uncertainty=ensemble:2 --dropout none --out "$tmp/pend" >/dev/null 2>&1 \
  && grep -q plan_particle_std "$tmp/pend/metrics.csv" && echo "ok ensemble with cem, beta and logvar heads" \
  || { echo "FAIL ensemble with cem"; fail=1; }
"$cdrl" eval "$tmp/a" --episodes 1 --mc-samples 3 >/dev/null 2>&1 && echo "ok eval of an ensemble run" \
  || { echo "FAIL eval of an ensemble run"; fail=1; }

check ensemble-of-one 2 'uncertainty "ensemble:1"' -- "${small[@]}" --set agent.model.uncertainty=ensemble:1 --out "$tmp/bad1"
check too-few-particles 2 'agent.planner.particles = 3 with agent.model.uncertainty = ensemble:4' -- \
  "${small[@]}" --set agent.model.uncertainty=ensemble:4 --out "$tmp/bad2"
check eval-too-few-samples 2 'mc-samples 2' -- eval "$tmp/a" --episodes 1 --mc-samples 2
exit $fail
