#!/usr/bin/env bash
# cdrl bench as a user meets it: a tiny env benchmark prints its table and
# exits 0; bad flags and names exit 2 with one line naming the problem.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
out=$("$cdrl" bench env --env cartpole --steps 2000 --batch 1,64 --threads 2 2>&1); status=$?
if [ "$status" != 0 ]; then echo "FAIL tiny bench: exit $status ($out)"; fail=1; fi
for row in "^env +mode +B +1 core steps/s +ns/step +2 cores steps/s +ns/step/core" \
           "^cartpole +single +1 +[0-9.]+ M +[0-9.]+ +[0-9.]+ M +[0-9.]+" \
           "^cartpole +batched +1 +[0-9.]+ M" "^cartpole +batched +64 +[0-9.]+ M" "^machine: "; do
  grep -Eq "$row" <<<"$out" || { echo "FAIL tiny bench: no line /$row/ in:"; echo "$out"; fail=1; }
done
echo "ok tiny bench"

# Every registered env has its rows by default, continuous actions included.
out=$("$cdrl" bench env --steps 500 --batch 1,8 --threads 1 2>&1); status=$?
if [ "$status" != 0 ]; then echo "FAIL all-envs bench: exit $status ($out)"; fail=1; fi
for env in cartpole cartpole-v0 pendulum mountaincar mountaincar-continuous acrobot cartpole-swingup; do
  for mode in "single +1" "batched +8"; do
    grep -Eq "^$env +$mode +[0-9.]+ M" <<<"$out" || { echo "FAIL all-envs bench: no $env $mode row in:"; echo "$out"; fail=1; }
  done
done
echo "ok all-envs bench"
out=$("$cdrl" bench env --env pendulum,acrobot --env-options action_repeat=2,obs_mask=0 --steps 500 --batch 4 --threads 1 2>&1) \
  || { echo "FAIL bench with env options: $out"; fail=1; }
grep -Eq "^acrobot +batched +4 " <<<"$out" || { echo "FAIL bench with env options: no acrobot row in: $out"; fail=1; }
echo "ok bench with env options"

# --tight: cartpole's plain-loop rows after its own, for the single env and each batch.
out=$("$cdrl" bench env --env cartpole --tight --steps 500 --batch 4 --threads 1 2>&1) \
  || { echo "FAIL bench --tight: $out"; fail=1; }
[ "$(grep -Ec '^cartpole +plain-C +(1|4) +[0-9.]+ M +[0-9.]+ +\(the env runs at [0-9.]+x its speed: [0-9.]+ ns/step; medians of 5 interleaved rounds\)$' <<<"$out")" = 2 ] \
  && echo "ok bench --tight" || { echo "FAIL bench --tight: not two plain-C rows in:"; echo "$out"; fail=1; }

out=$("$cdrl" bench nn --rounds 1 --seconds 0.001 --only planner 2>&1); status=$?
if [ "$status" = 0 ] && grep -Eq "^planner_mb_default +[0-9.]+$" <<<"$out"; then echo "ok tiny bench nn"
else echo "FAIL tiny bench nn: exit $status ($out)"; fail=1; fi
check nn-no-workload 2 "^cdrl bench nn: no workload name contains 'gpu'" -- bench nn --only gpu
check bad-flag 2 "^cdrl bench env: unknown option '--frob'" -- bench env --frob 1
check missing-value 2 "^cdrl bench env: --steps needs a value; see '--steps' in 'cdrl bench env --help'$" -- bench env --steps
check bad-steps 2 "^cdrl bench env: --steps 'x' is invalid" -- bench env --steps x
check bad-seconds 2 "^cdrl bench env: --seconds '0' is invalid" -- bench env --seconds 0
check bad-batch 2 "^cdrl bench env: --batch '1,,2' is invalid" -- bench env --batch 1,,2
check bad-threads 2 "^cdrl bench env: --threads '0' is invalid" -- bench env --threads 0
check bad-env 2 "^cdrl bench env: unknown env 'pong'; known envs: cartpole, cartpole-v0, pendulum, mountaincar, mountaincar-continuous, acrobot, cartpole-swingup" -- bench env --env pong --steps 10
check bad-integrator 2 "^cdrl bench env: cartpole: option integrator: unknown value 'rk4'" -- bench env --env cartpole --integrator rk4 --steps 10
check bad-env-option 2 "^cdrl bench env: pendulum: option action_repeat: '0' is invalid" -- bench env --env pendulum --env-options action_repeat=0 --steps 10
check no-benchmark 2 "^cdrl bench: which benchmark\? try 'cdrl bench --help'$" -- bench
check unknown-benchmark 2 "^cdrl bench: unknown benchmark 'gpu'; known: env, lstm, nn" -- bench gpu
check env-help 0 "" -- bench env --help
check lstm-help 0 "" -- bench lstm --help
check lstm-bad-flag 2 "^cdrl bench lstm: unknown option '--frob'" -- bench lstm --frob
exit $fail
