#!/usr/bin/env bash
# The mb agent's 10-seed solve table: `cdrl train --agent mb --env cartpole`
# with the default config (configs/mb_cartpole.cfg) on seeds 0..9. A run is
# solved when, after a refit, agent.solve_episodes (5) planned test episodes
# all return agent.solve_return (500); "episodes" counts the real episodes
# learned from, random ones included. Then `cdrl eval` plays 5 more episodes
# per mode from start states training never used, as an independent check.
# Prints a markdown table (seed, episodes to solve, real steps, test returns,
# eval returns, wall time, planning ms per real step) and a summary line.
#
#   bash scripts/mb_seeds.sh [CDRL_BINARY] [PARALLEL_RUNS] [TRAIN OPTIONS...]
#
# Defaults: build/cdrl, 2 runs at a time. Wall times and planning times are
# of one single-threaded run each, measured while PARALLEL_RUNS of them share
# the machine. MB_SEEDS (default "0 1 2 3 4 5 6 7 8 9") picks the seeds.
set -eu
cdrl=$(realpath "${1:-build/cdrl}")
jobs=${2:-2}
shift $(($# < 2 ? $# : 2))
export MB_SEEDS_EXTRA="$*" # e.g. --dropout fixed:0.1, split on spaces
seeds=(${MB_SEEDS:-0 1 2 3 4 5 6 7 8 9})
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$cdrl" "$work/cdrl" # a rebuild during the runs does not change them

one_run() { # one_run CDRL SEED WORKDIR
  local start end out dir=$3/run-$2
  start=$(date +%s.%N)
  out=$("$1" train --agent mb --env cartpole --seed "$2" --out "$dir" $MB_SEEDS_EXTRA 2>&1 | tail -1)
  end=$(date +%s.%N)
  local ev
  ev=$("$1" eval "$dir" --episodes 5 --mc-samples 5 2>&1 |
       awk '/^eval mode/ { e = $4 } /^mc mode/ { m = $5 } END { printf "%s/%s", e, m }')
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') $ev $out" > "$3/result-$2"
}
export -f one_run

printf '%s\n' "${seeds[@]}" | xargs -P "$jobs" -I{} bash -c 'one_run "$0" {} "$1"' "$work/cdrl" "$work"

echo "| seed | solved | episodes | real steps | solve test returns (min / mean of 5) | cdrl eval, mean of 5 (eval / mc mode) | wall (s) | plan ms/step |"
echo "|---|---|---|---|---|---|---|---|"
for s in "${seeds[@]}"; do
  read -r wall ev rest < "$work/result-$s"
  m=$work/run-$s/metrics.csv
  # Columns by name: the last row's solve test and the mean planning time per
  # real step over the planned episodes, weighted by their lengths.
  read -r tmin tmean plan < <(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      { tmin = $c["test_min_return"]; tmean = $c["test_mean_return"]
        if ($c["planned"] == 1) { ms += $c["plan_time_ms"] * $c["length"]; n += $c["length"] } }
      END { printf "%s %s %.1f\n", tmin, tmean, n ? ms / n : 0 }' "$m")
  if [[ $rest == solved\ after* ]]; then
    solved=yes; steps=$(awk '{ print $3 }' <<<"$rest"); eps=$(awk '{ print $6 }' <<<"$rest")
  else
    solved=no; steps=$(tail -n 1 "$m" | cut -d, -f2); eps="-"
  fi
  echo "| $s | $solved | $eps | $steps | $tmin / $tmean | $ev | $wall | $plan |"
done
echo
cat "$work"/result-* | awk -v n="${#seeds[@]}" '
  $3 == "solved" { k++; eps += $8; if ($8 <= 10) t++ }
  END { printf "solved %d/%d; within 10 real episodes: %d/%d; mean episodes to solve %.1f\n",
        k, n, t, n, k ? eps / k : 0 }'
