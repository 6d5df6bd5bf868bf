#!/usr/bin/env bash
# The recurrent pg's table on CartPole with the velocities hidden
# (configs/pg_cartpole-hidden.cfg, 2M-step budget, stop when solved): each
# setting on each seed, PARALLEL_RUNS at a time. Prints a markdown table
# (setting, seed, solved, env steps, CPU seconds, the policy's p of the LSTM
# input at the first and the last update) and a summary line per setting.
#
#   bash scripts/lstm_seeds.sh [CDRL_BINARY] [PARALLEL_RUNS] [OUT_DIR]
#
# Settings (LSTM_SEEDS_SETTINGS, default "default fixed:0.1 concrete mlp"):
#   default    the config as it is: no dropout
#   none, fixed:P, concrete   that dropout on the policy LSTM's input instead
#              (the value LSTM keeps the config's: none)
#   concrete+h Concrete dropout on the policy LSTM's input and on h (the
#              recurrent dropout is on both LSTMs' h)
#   mlp        the feed-forward pg (2x64 tanh MLPs, the config's PPO settings)
#              on the same task and budget
# Seeds: LSTM_SEEDS (default "0 1 2 3 4 5 6 7 8 9"); LSTM_SEEDS_NICE: the runs'
# niceness (default 0). Run directories are kept
# in OUT_DIR (default: a temporary directory, removed at the end).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cdrl=$(realpath "${1:-build/cdrl}")
jobs=${2:-2}
out=${3:-}
settings=(${LSTM_SEEDS_SETTINGS:-default fixed:0.1 concrete mlp})
seeds=(${LSTM_SEEDS:-0 1 2 3 4 5 6 7 8 9})
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "$out" ] || out=$work
mkdir -p "$out"
cp "$cdrl" "$work/cdrl" # a rebuild during the runs does not change them
export LSTM_CFG="$here/configs/pg_cartpole-hidden.cfg"

one_run() { # one_run CDRL SETTING SEED OUT
  local TIMEFORMAT='%U %S' times name="${2/:/_}-$3" extra=()
  case $2 in
    default) ;;
    mlp) extra=(--set agent.policy.kind=mlp) ;;
    concrete+h) extra=(--set agent.policy.dropout=concrete --set agent.lstm.recurrent_dropout=concrete) ;;
    *) extra=(--set "agent.policy.dropout=$2") ;;
  esac
  times=$( { time nice -n "${LSTM_SEEDS_NICE:-0}" "$1" train --config "$LSTM_CFG" "${extra[@]}" --seed "$3" --out "$4/run-$name" \
             --set run.log_every=1000000 >"$4/log-$name" 2>&1; } 2>&1 )
  echo "$(awk '{ printf "%.1f", $1 + $2 }' <<<"$times") $(tail -1 "$4/log-$name")" > "$4/result-$name"
}
export -f one_run

for d in "${settings[@]}"; do for s in "${seeds[@]}"; do echo "$d $s"; done; done |
  xargs -P "$jobs" -n 2 bash -c 'one_run "$0" "$2" "$3" "$1"' "$work/cdrl" "$out"

# column of metrics.csv named $1, first and last row
pcol() { awk -F, -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
         k { v[NR] = $k } END { if (k) printf "%.3f -> %.3f", v[2], v[NR]; else printf "-" }' "$2"; }

echo "| setting | seed | solved | env steps | CPU s | p policy LSTM input (first -> last) | p policy LSTM h |"
echo "|---|---|---|---|---|---|---|"
for d in "${settings[@]}"; do
  n=0 solved=0
  for s in "${seeds[@]}"; do
    name="${d/:/_}-$s"
    [ -f "$out/result-$name" ] || continue # not run (stopped)
    read -r cpu rest < "$out/result-$name"
    steps=$(tail -1 "$out/run-$name/metrics.csv" | cut -d, -f2)
    if [[ $rest == solved\ after* ]]; then yes=yes; solved=$((solved + 1)); else yes=no; fi
    n=$((n + 1))
    echo "| $d | $s | $yes | $steps | $cpu | $(pcol p_policy_l1 "$out/run-$name/metrics.csv") | $(pcol p_policy_l2 "$out/run-$name/metrics.csv") |"
  done
  echo "| **$d** | | **$solved/$n** | | | | |"
done
