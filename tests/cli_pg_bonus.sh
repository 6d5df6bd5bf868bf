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

"$cdrl" "${small[@]}" --out "$tmp/off" >/dev/null 2>&1 || { echo "FAIL plain run"; fail=1; }
grep -q bonus "$tmp/off/metrics.csv" && { echo "FAIL bonus columns with the bonus off"; fail=1; } || echo "ok no bonus columns when off"

"$cdrl" "${small[@]}" --set agent.bonus.beta=0.5 --out "$tmp/on" >/dev/null 2>&1 || { echo "FAIL bonus run"; fail=1; }
header=$(head -1 "$tmp/on/metrics.csv")
missing=
for c in bonus_mean bonus_spread bonus_model_loss p_model_l1 p_model_l2; do
  grep -Eq "(^|,)$c(,|$)" <<<"$header" || missing="$missing $c"
done
[ -z "$missing" ] && echo "ok bonus columns" || { echo "FAIL missing columns:$missing"; fail=1; }
# update 1 has no fitted model (bonus 0); every later update a positive bonus
bonus=$(column bonus_mean "$tmp/on/metrics.csv")
awk 'NR == 1 && $1 != 0 { bad = 1 } NR > 1 && !($1 > 0) { bad = 1 } END { exit bad || NR < 3 }' <<<"$bonus" \
  && echo "ok bonus 0 before the first fit, positive after" || { echo "FAIL bonus_mean: $(tr '\n' ' ' <<<"$bonus")"; fail=1; }
# extrinsic returns: every MountainCar return is minus the episode's length
awk -F, 'NR > 1 && $3 != -$4 { bad = 1 } END { exit bad || NR < 2 }' "$tmp/on/episodes.csv" \
  && echo "ok episodes.csv holds the env's return" || { echo "FAIL episodes.csv returns are not the env's"; fail=1; }

"$cdrl" "${small[@]}" --set agent.bonus.beta=0.5 --set agent.bonus.dropout=none --out "$tmp/none" >/dev/null 2>&1 \
  || { echo "FAIL no-dropout bonus run"; fail=1; }
if cmp -s "$tmp/off/episodes.csv" "$tmp/none/episodes.csv" && [ -z "$(column bonus_mean "$tmp/none/metrics.csv" | grep -v '^0$')" ]; then
  echo "ok no-dropout model: zero bonus, the plain run's episodes"
else
  echo "FAIL no-dropout model changed the run"; fail=1
fi

# Continuous actions (MountainCarContinuous: the model reads the executed force):
# the same columns and the same zero bonus before the first fit; a no-dropout
# model leaves the plain run's episodes; a run stopped by SIGINT and resumed
# ends with the uninterrupted run's metrics, episodes and checkpoint, byte for byte.
cont=(train --agent pg --env mountaincar-continuous --seed 5 --steps 16000 --set agent.envs=2
      --set run.stop_when_solved=false --set run.checkpoint_every=1 --set run.log_every=1)
"$cdrl" "${cont[@]}" --out "$tmp/c-off" >/dev/null 2>&1 || { echo "FAIL continuous plain run"; fail=1; }
"$cdrl" "${cont[@]}" --set agent.bonus.beta=0.05 --out "$tmp/c-on" >/dev/null 2>&1 \
  || { echo "FAIL continuous bonus run"; fail=1; }
header=$(head -1 "$tmp/c-on/metrics.csv")
missing=
for c in bonus_mean bonus_spread bonus_model_loss p_model_l1 p_model_l2 action_std; do
  grep -Eq "(^|,)$c(,|$)" <<<"$header" || missing="$missing $c"
done
[ -z "$missing" ] && echo "ok continuous: bonus columns" || { echo "FAIL continuous: missing columns:$missing"; fail=1; }
bonus=$(column bonus_mean "$tmp/c-on/metrics.csv")
awk 'NR == 1 && $1 != 0 { bad = 1 } NR > 1 && !($1 > 0) { bad = 1 } END { exit bad || NR < 3 }' <<<"$bonus" \
  && echo "ok continuous: bonus 0 before the first fit, positive after" \
  || { echo "FAIL continuous bonus_mean: $(tr '\n' ' ' <<<"$bonus")"; fail=1; }
cmp -s "$tmp/c-off/episodes.csv" "$tmp/c-on/episodes.csv" \
  && { echo "FAIL continuous: the bonus changed nothing"; fail=1; } || echo "ok continuous: the bonus changes the run"
"$cdrl" "${cont[@]}" --set agent.bonus.beta=0.05 --set agent.bonus.dropout=none --out "$tmp/c-none" >/dev/null 2>&1 \
  || { echo "FAIL continuous no-dropout bonus run"; fail=1; }
if cmp -s "$tmp/c-off/episodes.csv" "$tmp/c-none/episodes.csv" && [ -z "$(column bonus_mean "$tmp/c-none/metrics.csv" | grep -v '^0$')" ]; then
  echo "ok continuous no-dropout model: zero bonus, the plain run's episodes"
else
  echo "FAIL continuous no-dropout model changed the run"; fail=1
fi
mkdir "$tmp/c-stops" && cd "$tmp/c-stops" && stop_resume_matches ../c-on "${cont[@]:1}" --set agent.bonus.beta=0.05
cd "$OLDPWD"

# The recurrent policy (agent.policy.kind=lstm) goes through the same rollout
# hooks: the same columns, no bonus before the first fit and a positive one
# after, the env's returns in episodes.csv; a no-dropout model leaves the
# plain recurrent run's episodes; stopped and resumed, byte for byte.
rec=(train --agent pg --env mountaincar --seed 4 --steps 8000 --set agent.policy.kind=lstm
     --set agent.obs_norm=off --set agent.lstm.normalize_obs=true --set run.stop_when_solved=false --set run.checkpoint_every=1 --set run.log_every=1)
"$cdrl" "${rec[@]}" --out "$tmp/r-off" >/dev/null 2>&1 || { echo "FAIL recurrent plain run"; fail=1; }
"$cdrl" "${rec[@]}" --set agent.bonus.beta=0.5 --out "$tmp/r-on" >/dev/null 2>&1 || { echo "FAIL recurrent bonus run"; fail=1; }
bonus=$(column bonus_mean "$tmp/r-on/metrics.csv")
awk 'NR == 1 && $1 != 0 { bad = 1 } NR > 1 && !($1 > 0) { bad = 1 } END { exit bad || NR < 3 }' <<<"$bonus" \
  && echo "ok recurrent: bonus 0 before the first fit, positive after" \
  || { echo "FAIL recurrent bonus_mean: $(tr '\n' ' ' <<<"$bonus")"; fail=1; }
awk -F, 'NR > 1 && $3 != -$4 { bad = 1 } END { exit bad || NR < 2 }' "$tmp/r-on/episodes.csv" \
  && echo "ok recurrent: episodes.csv holds the env's return" || { echo "FAIL recurrent: episodes.csv returns are not the env's"; fail=1; }
# (every episode here runs out its 200 steps, so the policy's loss shows the change)
[ "$(column policy_loss "$tmp/r-off/metrics.csv")" = "$(column policy_loss "$tmp/r-on/metrics.csv")" ] \
  && { echo "FAIL recurrent: the bonus changed nothing"; fail=1; } || echo "ok recurrent: the bonus changes the updates"
"$cdrl" "${rec[@]}" --set agent.bonus.beta=0.5 --set agent.bonus.dropout=none --out "$tmp/r-none" >/dev/null 2>&1 \
  || { echo "FAIL recurrent no-dropout bonus run"; fail=1; }
if cmp -s "$tmp/r-off/episodes.csv" "$tmp/r-none/episodes.csv" && [ -z "$(column bonus_mean "$tmp/r-none/metrics.csv" | grep -v '^0$')" ]; then
  echo "ok recurrent no-dropout model: zero bonus, the plain run's episodes"
else
  echo "FAIL recurrent no-dropout model changed the run"; fail=1
fi
mkdir "$tmp/r-stops" && cd "$tmp/r-stops" && stop_resume_matches ../r-on "${rec[@]:1}" --set agent.bonus.beta=0.5
cd "$OLDPWD"

check bad-normalize 2 "agent.bonus.normalize" -- "${small[@]}" --set agent.bonus.normalize=sometimes --out "$tmp/bad1"
check bad-dropout 2 "agent.bonus.dropout" -- "${small[@]}" --set agent.bonus.dropout=fixed:1.5 --out "$tmp/bad2"
check negative-beta 2 "agent.bonus.beta" -- "${small[@]}" --set agent.bonus.beta=-1 --out "$tmp/bad3"

if "$cdrl" viz "$tmp/on" --png "$tmp/on.png" >/dev/null 2>&1 && [ -s "$tmp/on.png" ]; then
  echo "ok viz --png of a bonus run"
else
  echo "FAIL viz --png of a bonus run"; fail=1
fi
exit $fail
