#!/usr/bin/env bash
# The mb agent's 10-seed solve table: `cdrl train --agent mb --env ENV`
# with the env's default config (configs/mb_ENV.cfg) on seeds 0..9. A run is
# solved when, after a refit, agent.solve_episodes planned test episodes
# pass agent.solve_return (each, or their mean with agent.solve_by = mean;
# CartPole: all 5 return 500); "episodes" counts the real episodes
# learned from, random ones included. Then `cdrl eval` plays 5 more episodes
# per mode from start states training never used, as an independent check.
# Prints a markdown table (seed, episodes to solve, real steps, test returns,
# eval returns, wall time, CPU seconds of the training run, planning ms per
# real step) and a summary line.
#
#   bash scripts/mb_seeds.sh [CDRL_BINARY] [PARALLEL_RUNS] [TRAIN OPTIONS...]
#
# Defaults: build/cdrl, 2 runs at a time. Wall times and planning times are
# of one single-threaded run each, measured while PARALLEL_RUNS of them share
# the machine. MB_SEEDS (default "0 1 2 3 4 5 6 7 8 9") picks the seeds,
# MB_ENV (default cartpole) the env, MB_WITHIN (default 10) the episode
# budget the summary counts solves within.
set -eu
cdrl=$(realpath "${1:-build/cdrl}")
jobs=${2:-2}
shift $(($# < 2 ? $# : 2))
export MB_SEEDS_EXTRA="$*" # e.g. --dropout fixed:0.1, split on spaces
export MB_ENV=${MB_ENV:-cartpole}
within=${MB_WITHIN:-10}
seeds=(${MB_SEEDS:-0 1 2 3 4 5 6 7 8 9})
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$cdrl" "$work/cdrl" # a rebuild during the runs does not change them

one_run() { # one_run CDRL SEED WORKDIR
  local start end out dir=$3/run-$2
  local TIMEFORMAT='%3U %3S'
  start=$(date +%s.%N)
  { time "$1" train --agent mb --env "$MB_ENV" --seed "$2" --out "$dir" $MB_SEEDS_EXTRA > "$3/out-$2" 2>&1; } 2> "$3/time-$2"
  out=$(tail -1 "$3/out-$2")
  end=$(date +%s.%N)
  local ev
  ev=$("$1" eval "$dir" --episodes 5 --mc-samples 5 2>&1 |
       awk '/^eval mode/ { e = $4 } /^mc mode/ { m = $5 } END { printf "%s/%s", e, m }')
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') $ev $(awk '{ printf "%.1f", $1 + $2 }' "$3/time-$2") $out" > "$3/result-$2"
}
export -f one_run

printf '%s\n' "${seeds[@]}" | xargs -P "$jobs" -I{} bash -c 'one_run "$0" {} "$1"' "$work/cdrl" "$work"

echo "| seed | solved | episodes | real steps | solve test returns (min / mean of 5) | cdrl eval, mean of 5 (eval / mc mode) | wall (s) | CPU (s) | plan ms/step |"
echo "|---|---|---|---|---|---|---|---|---|"
for s in "${seeds[@]}"; do
  read -r wall ev cpu rest < "$work/result-$s"
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
  echo "| $s | $solved | $eps | $steps | $tmin / $tmean | $ev | $wall | $cpu | $plan |"
done
echo
cat "$work"/result-* | awk -v n="${#seeds[@]}" -v w="$within" -v env="$MB_ENV" '
  $4 == "solved" { k++; eps += $9; if ($9 <= w) t++ }
  { cpu += $3 }
  END { printf "%s: solved %d/%d; within %d real episodes: %d/%d; mean episodes to solve %.1f; CPU %.0f s in all\n",
        env, k, n, w, t, n, k ? eps / k : 0, cpu }'
