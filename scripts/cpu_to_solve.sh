#!/usr/bin/env bash
# CPU seconds (user + system) of the default `cdrl train --agent AGENT --env
# cartpole` run on seeds 0..9, pinned to one core, one run at a time; with two
# binaries (before and after a change) their runs alternate seed by seed, so a
# slow spell of a shared machine hits both alike. Prints one line per run
# ("AGENT SEED BINARY CPU_S <the run's last line>") and the median of each
# binary. A measurement for docs/perf.md, not a test.
#
#   bash scripts/cpu_to_solve.sh AGENT CDRL_BINARY [OTHER_CDRL_BINARY]
#
# CPU_SEEDS (default "0 1 2 3 4 5 6 7 8 9") picks the seeds, CPU_CORE (default
# 0) the core.
set -eu
agent=$1
shift
bins=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in "${!bins[@]}"; do cp "${bins[$i]}" "$work/cdrl$i"; done # a rebuild does not change them
for s in ${CPU_SEEDS:-0 1 2 3 4 5 6 7 8 9}; do
  for i in "${!bins[@]}"; do
    TIMEFORMAT='%U %S'
    t=$( { time taskset -c "${CPU_CORE:-0}" "$work/cdrl$i" train --agent "$agent" --env cartpole --seed "$s" \
             --out "$work/run" --set run.log_every=1000000 > "$work/log" 2>&1; } 2>&1 )
    echo "$agent $s ${bins[$i]} $(awk '{ printf "%.2f", $1 + $2 }' <<<"$t") $(tail -1 "$work/log" | sed 's/; run directory.*//')" |
      tee -a "$work/all"
    rm -rf "$work/run"
  done
done
for b in "${bins[@]}"; do
  awk -v b="$b" '$3 == b { print $4 }' "$work/all" | sort -g |
    awk -v b="$b" '{ v[NR] = $1 } END { printf "%s: median %.2f s CPU over %d seeds\n", b,
      NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, NR }'
done
