#!/usr/bin/env bash
# pg's exploration bonus as a user meets it: off (the default) writes no bonus
# columns; on, metrics.csv has bonus_mean, bonus_spread, bonus_model_loss and
# the model's p per layer, with a positive bonus after the model's first fit,
# while episodes.csv keeps the env's own returns (MountainCar: -1 a step, so
# an episode's return is minus its length); a model without dropout has zero
# spread, so its run's episodes are the plain run's, bit for bit; the same on
# a continuous-action env and with the recurrent policy, whose bonus runs also
# resume byte for byte; a bad
# bonus key is one line, exit 2; cdrl viz --png draws a bonus run headless.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
src=${2:-.}
export LSAN_OPTIONS="suppressions=$src/tests/lsan_system.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
tmp=$(mktemp -d /tmp/cdrl_cli_pg_bonus.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
small=(train --agent pg --env mountaincar --seed 4 --steps 8000 --set run.stop_when_solved=false)

# column NAME FILE: the values of column NAME, one per row
column() { awk -F, -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } c { print $c }' "$2"; }

# has_columns LABEL DIR NAME...: DIR's metrics.csv has every NAME
has_columns() {
  local label=$1 dir=$2 c missing= header; shift 2
  header=$(head -1 "$dir/metrics.csv")
  for c in "$@"; do grep -Eq "(^|,)$c(,|$)" <<<"$header" || missing="$missing $c"; done
  [ -z "$missing" ] && echo "ok $label: bonus columns" || { echo "FAIL $label: missing columns:$missing"; fail=1; }
}
# zero_then_positive LABEL DIR: update 1 has no fitted model (bonus 0), every
# later update a positive bonus
zero_then_positive() {
  local bonus; bonus=$(column bonus_mean "$2/metrics.csv")
  awk 'NR == 1 && $1 != 0 { bad = 1 } NR > 1 && !($1 > 0) { bad = 1 } END { exit bad || NR < 3 }' <<<"$bonus" \
    && echo "ok $1: bonus 0 before the first fit, positive after" \
    || { echo "FAIL $1 bonus_mean: $(tr '\n' ' ' <<<"$bonus")"; fail=1; }
}
# env_returns LABEL DIR: episodes.csv holds the env's return, not the bonus:
# every MountainCar return is minus the episode's length
env_returns() {
  awk -F, 'NR > 1 && $3 != -$4 { bad = 1 } END { exit bad || NR < 2 }' "$2/episodes.csv" \
    && echo "ok $1: episodes.csv holds the env's return" || { echo "FAIL $1: episodes.csv returns are not the env's"; fail=1; }
}
# no_dropout_is_plain LABEL PLAIN NONE: a model without dropout has no spread,
# so its run pays no bonus and has the plain run's episodes
no_dropout_is_plain() {
  if cmp -s "$2/episodes.csv" "$3/episodes.csv" && [ -z "$(column bonus_mean "$3/metrics.csv" | grep -v '^0$')" ]; then
    echo "ok $1 no-dropout model: zero bonus, the plain run's episodes"
  else
    echo "FAIL $1 no-dropout model changed the run"; fail=1
  fi
}
# runs LABEL PREFIX BETA ARGS...: the plain run (PREFIX-off), the bonus run
# (PREFIX-on) and the no-dropout model's (PREFIX-none) of `cdrl ARGS`
runs() {
  local label=$1 prefix=$2 beta=$3; shift 3
  "$cdrl" "$@" --out "$prefix-off" >/dev/null 2>&1 || { echo "FAIL $label plain run"; fail=1; }
  "$cdrl" "$@" --set agent.bonus.beta="$beta" --out "$prefix-on" >/dev/null 2>&1 || { echo "FAIL $label bonus run"; fail=1; }
  "$cdrl" "$@" --set agent.bonus.beta="$beta" --set agent.bonus.dropout=none --out "$prefix-none" >/dev/null 2>&1 \
    || { echo "FAIL $label no-dropout bonus run"; fail=1; }
}

runs discrete "$tmp/d" 0.5 "${small[@]}"
grep -q bonus "$tmp/d-off/metrics.csv" && { echo "FAIL bonus columns with the bonus off"; fail=1; } || echo "ok no bonus columns when off"
has_columns discrete "$tmp/d-on" bonus_mean bonus_spread bonus_model_loss p_model_l1 p_model_l2
zero_then_positive discrete "$tmp/d-on"
env_returns discrete "$tmp/d-on"
no_dropout_is_plain discrete "$tmp/d-off" "$tmp/d-none"

# Continuous actions (MountainCarContinuous: the model reads the executed
# force): the same checks; a run stopped by SIGINT or SIGKILL and resumed
# ends with the uninterrupted run's metrics, episodes and checkpoint, byte for byte.
cont=(train --agent pg --env mountaincar-continuous --seed 5 --steps 16000 --set agent.envs=2
      --set run.stop_when_solved=false --set run.checkpoint_every=1 --set run.log_every=1)
runs continuous "$tmp/c" 0.05 "${cont[@]}"
has_columns continuous "$tmp/c-on" bonus_mean bonus_spread bonus_model_loss p_model_l1 p_model_l2 action_std
zero_then_positive continuous "$tmp/c-on"
cmp -s "$tmp/c-off/episodes.csv" "$tmp/c-on/episodes.csv" \
  && { echo "FAIL continuous: the bonus changed nothing"; fail=1; } || echo "ok continuous: the bonus changes the run"
no_dropout_is_plain continuous "$tmp/c-off" "$tmp/c-none"
mkdir "$tmp/c-stops" && cd "$tmp/c-stops" && stop_resume_matches ../c-on "${cont[@]:1}" --set agent.bonus.beta=0.05
cd "$OLDPWD"

# The recurrent policy (agent.policy.kind=lstm) goes through the same rollout
# hooks: the same checks, and stopped and resumed, byte for byte.
rec=(train --agent pg --env mountaincar --seed 4 --steps 8000 --set agent.policy.kind=lstm
     --set agent.obs_norm=off --set agent.lstm.normalize_obs=true --set run.stop_when_solved=false
     --set run.checkpoint_every=1 --set run.log_every=1)
runs recurrent "$tmp/r" 0.5 "${rec[@]}"
has_columns recurrent "$tmp/r-on" bonus_mean bonus_spread bonus_model_loss p_model_l1 p_model_l2
zero_then_positive recurrent "$tmp/r-on"
env_returns recurrent "$tmp/r-on"
# (every episode here runs out its 200 steps, so the policy's loss shows the change)
[ "$(column policy_loss "$tmp/r-off/metrics.csv")" = "$(column policy_loss "$tmp/r-on/metrics.csv")" ] \
  && { echo "FAIL recurrent: the bonus changed nothing"; fail=1; } || echo "ok recurrent: the bonus changes the updates"
no_dropout_is_plain recurrent "$tmp/r-off" "$tmp/r-none"
mkdir "$tmp/r-stops" && cd "$tmp/r-stops" && stop_resume_matches ../r-on "${rec[@]:1}" --set agent.bonus.beta=0.5
cd "$OLDPWD"

check bad-normalize 2 "agent.bonus.normalize" -- "${small[@]}" --set agent.bonus.normalize=sometimes --out "$tmp/bad1"
check bad-dropout 2 "agent.bonus.dropout" -- "${small[@]}" --set agent.bonus.dropout=fixed:1.5 --out "$tmp/bad2"
check negative-beta 2 "agent.bonus.beta" -- "${small[@]}" --set agent.bonus.beta=-1 --out "$tmp/bad3"

if "$cdrl" viz "$tmp/d-on" --png "$tmp/on.png" >/dev/null 2>&1 && [ -s "$tmp/on.png" ]; then
  echo "ok viz --png of a bonus run"
else
  echo "FAIL viz --png of a bonus run"; fail=1
fi
exit $fail
