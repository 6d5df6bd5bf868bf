#!/usr/bin/env bash
# The pg agent's 10-seed table: `cdrl train --agent pg --env cartpole` with the
# default config on seeds 0..9 for each dropout setting, within the default
# 500,000-step budget. Prints a markdown table (seed, solved, steps to solve,
# wall time, CPU time) and a summary line per setting.
#
#   bash scripts/pg_seeds.sh [CDRL_BINARY] [PARALLEL_RUNS] [ENV] [TRAIN OPTIONS...]
#
# Defaults: build/cdrl, 2 runs at a time, cartpole; PG_SEEDS_LIST="100 101"
# runs other seeds (e.g. to tune on seeds the table does not use). Wall times are of one
# single-threaded run each, measured while PARALLEL_RUNS of them share the
# machine; the CPU time (user + system) is what the run itself used, and is
# the figure that stays put when other work shares the cores.
set -eu
cdrl=$(realpath "${1:-build/cdrl}")
jobs=${2:-2}
env=${3:-cartpole}
shift $(($# < 3 ? $# : 3))
export PG_SEEDS_EXTRA="$*" # e.g. --set agent.activation=relu, split on spaces
# --dropout sets the policy's and the value network's dropout alike; "default"
# runs the config as it is (configs/pg_cartpole.cfg: concrete policy, no
# dropout in the value network).
settings=(${PG_SEEDS_SETTINGS:-none fixed:0.1 concrete default})
seeds=(${PG_SEEDS_LIST:-0 1 2 3 4 5 6 7 8 9}) # e.g. PG_SEEDS_LIST="100 101 102" to tune on other seeds
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$cdrl" "$work/cdrl" # a rebuild during the runs does not change them

one_run() { # one_run CDRL ENV DROPOUT SEED WORKDIR
  local TIMEFORMAT='%R %U %S' times log="$5/log-${3/:/_}-$4"
  local dropout=(--dropout "$3") # "default": the config's own settings, no --dropout
  [ "$3" = default ] && dropout=()
  times=$( { time "$1" train --agent pg --env "$2" "${dropout[@]}" --seed "$4" --out "$5/run-${3/:/_}-$4" \
             --set run.log_every=1000000 $PG_SEEDS_EXTRA >"$log" 2>&1; } 2>&1 )
  echo "$3 $4 $(awk '{ printf "%.2f %.2f", $1, $2 + $3 }' <<<"$times") $(tail -1 "$log")" \
    > "$5/result-${3/:/_}-$4"
}
export -f one_run

for d in "${settings[@]}"; do for s in "${seeds[@]}"; do echo "$d $s"; done; done |
  xargs -P "$jobs" -n 2 bash -c 'one_run "$0" "$1" "$3" "$4" "$2"' "$work/cdrl" "$env" "$work"

echo "| dropout | seed | solved | steps to solve | wall time (s) | CPU time (s) | mean return at the end |"
echo "|---|---|---|---|---|---|---|"
for d in "${settings[@]}"; do
  for s in "${seeds[@]}"; do
    read -r _ _ wall cpu rest < "$work/result-${d/:/_}-$s"
    if [[ $rest == solved\ after* ]]; then
      steps=$(awk '{ print $3 }' <<<"$rest"); solved=yes
    else
      steps="-"; solved=no
    fi
    ret=$(sed -n 's/.*mean return \([^;]*\);.*/\1/p' <<<"$rest")
    echo "| $d | $s | $solved | $steps | $wall | $cpu | ${ret:--} |"
  done
done
echo
for d in "${settings[@]}"; do
  cat "$work"/result-"${d/:/_}"-* | awk -v d="$d" -v total="${#seeds[@]}" '
    $5 == "solved" { n++; steps += $7; wall += $3; cpu += $4 }
    END { printf "%s: solved %d/%d; mean over solved runs: %.0f steps, %.2f s wall, %.2f s CPU\n", d, n, total,
          n ? steps / n : 0, n ? wall / n : 0, n ? cpu / n : 0 }'
done
