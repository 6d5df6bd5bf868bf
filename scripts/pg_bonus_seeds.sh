#!/usr/bin/env bash
# The exploration study of docs/uncertainty.md: pg on MountainCar-v0 with and
# without the dynamics model's exploration bonus (agent.bonus.*), one run per
# (setting, seed), each stopped when solved (mean return >= -110 over 100
# episodes) or at the step budget.
#
#   bash scripts/pg_bonus_seeds.sh OUT_DIR [CDRL_BINARY] [SEEDS] [SETTINGS...]
#
# SEEDS: "0 1 2 3 4 5 6 7 8 9" by default. A setting is NAME or NAME=ARGS (ARGS:
# train options, words split on commas), default:
#   plain=--set,agent.bonus.beta=0
#   concrete=   (the config as it is: Concrete-Dropout model)
#   fixed=--set,agent.bonus.dropout=fixed:0.1
#   none=--set,agent.bonus.dropout=none
# All runs use configs/pg_mountaincar_bonus.cfg (or the config in
# PG_BONUS_CONFIG, e.g. configs/pg_mountaincar-continuous_bonus.cfg), one at a
# time under nice (the machine is shared). Run directories stay in
# OUT_DIR/NAME-SEED; the table (markdown) goes to stdout and to
# OUT_DIR/table.md. "First goal" is the env step of the first episode whose
# return is above GOAL_ABOVE: -200 on MountainCar-v0 (every step costs 1 and
# an episode that never reaches the flag is cut at 200), 0 on
# MountainCarContinuous (an episode without the flag earns only the action
# cost, <= 0; one with it earns 100 minus a cost below 99.9), -30 on the
# cart-pole swing-up (a pole left hanging scores -39.9 in 40 steps; above -30
# the tip got near the top several times), the default read from the
# config's env name. "Best window" is the best mean return of 100
# consecutive episodes during the run. With PG_BONUS_EVAL=N each run is also
# checked by `cdrl eval RUN --episodes N` (eval mode: the mean action, no
# dropout; N fresh episodes), its mean return in the table's last column.
set -eu
out=${1:?usage: pg_bonus_seeds.sh OUT_DIR [CDRL_BINARY] [SEEDS] [SETTINGS...]}
bin=$(realpath "${2:-build/cdrl}")
seeds=${3:-0 1 2 3 4 5 6 7 8 9}
shift $(($# < 3 ? $# : 3))
settings=("$@")
[ ${#settings[@]} -gt 0 ] || settings=(plain=--set,agent.bonus.beta=0 concrete=
                                       fixed=--set,agent.bonus.dropout=fixed:0.1
                                       none=--set,agent.bonus.dropout=none)
src=$(cd "$(dirname "$0")/.." && pwd)
config=$(realpath "${PG_BONUS_CONFIG:-$src/configs/pg_mountaincar_bonus.cfg}")
if [ -z "${GOAL_ABOVE:-}" ]; then
  GOAL_ABOVE=-200; grep -q '"mountaincar-continuous"' "$config" && GOAL_ABOVE=0
  grep -q '"cartpole-swingup"' "$config" && GOAL_ABOVE=-30
fi
mkdir -p "$out"
cdrl="$out/.cdrl"
cp "$bin" "$cdrl" # a rebuild during the runs does not change them
for setting in "${settings[@]}"; do
  name=${setting%%=*}; args=${setting#*=}; [ "$args" = "$setting" ] && args=
  IFS=, read -r -a extra <<<"$args"
  for s in $seeds; do
    d="$out/$name-$s"
    [ -f "$d.result" ] && continue # done in an earlier call
    rm -rf "$d"
    TIMEFORMAT='%U %S'
    t=$( { time nice -n 5 "$cdrl" train --config "$config" --seed "$s" \
             --out "$d" "${extra[@]}" >"$d.log" 2>&1; } 2>&1 )
    echo "$name $s $(awk '{ printf "%.1f", $1 + $2 }' <<<"$t") $(tail -1 "$d.log")" > "$d.result"
  done
  for s in $seeds; do
    d="$out/$name-$s"
    if [ -n "${PG_BONUS_EVAL:-}" ] && [ ! -s "$d.eval" ]; then
      nice -n 5 "$cdrl" eval "$d" --episodes "$PG_BONUS_EVAL" 2>&1 |
        sed -n 's/^eval mode: *return \([-0-9.]*\).*/\1/p' > "$d.eval"
    fi
  done
done
{
  echo "| setting | seed | solved | steps to solve | last mean return | best window | first goal (env step) | CPU (s) | eval |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for setting in "${settings[@]}"; do
    name=${setting%%=*}
    for s in $seeds; do
      read -r _ _ cpu rest < "$out/$name-$s.result"
      steps=-; solved=no
      if [[ $rest == solved\ after* ]]; then steps=$(awk '{ print $3 }' <<<"$rest"); solved=yes; fi
      ret=$(sed -n 's/.*mean return \([-0-9.]*\).*/\1/p' <<<"$rest")
      goal=$(awk -F, -v goal="$GOAL_ABOVE" 'NR > 1 && $3 > goal { print $2; found = 1; exit } END { if (!found) print "-" }' \
             "$out/$name-$s/episodes.csv")
      best=$(awk -F, 'NR > 1 { n++; r[n] = $3; sum += $3; if (n > 100) sum -= r[n - 100]
                               if (n >= 100 && (!have || sum / 100 > best)) { best = sum / 100; have = 1 } }
                      END { if (have) printf "%.2f", best; else print "-" }' "$out/$name-$s/episodes.csv")
      ev=$(cat "$out/$name-$s.eval" 2>/dev/null || true)
      echo "| $name | $s | $solved | $steps | $ret | $best | $goal | $cpu | ${ev:--} |"
    done
  done
  echo
  for setting in "${settings[@]}"; do
    name=${setting%%=*}
    n=0; total=0
    for s in $seeds; do
      total=$((total + 1))
      grep -q " solved after" "$out/$name-$s.result" && n=$((n + 1))
    done
    echo "$name: solved $n/$total"
  done
} | tee "$out/table.md"
