#!/usr/bin/env bash
# The mb exploration study of issue 16 item 4 (docs/uncertainty.md): the
# planner with beta = 0 against beta > 0, on a Concrete-Dropout model against
# an ensemble (ensemble:5 of networks without dropout, one particle each:
# the same P = 5 rows per candidate, so the same planning FLOPs), one run
# at a time (nice -n 5), each with the env's default config otherwise.
#
#   bash scripts/mb_explore_study.sh CDRL_BINARY OUT_DIR ENV "SEEDS" [TRAIN OPTIONS...]
#
# Appends one line per run to OUT_DIR/study.tsv: env, setting, seed, exit
# status, real episodes, whether the run was solved (its solve test passed),
# the best training-episode return, the first episode that returned > 0
# (MountainCarContinuous: the car reached the goal), the CPU seconds of the
# run (user + sys). Seeds are the outer loop, so a study cut short is balanced.
# STUDY_BETA (default 1) is the weight of the beta != 0 settings; several,
# space-separated ("0.5 2 -1"), give a pair of settings each. STUDY_BASE=0
# leaves out the two beta = 0 settings (already run: the runs are deterministic).
# STUDY_THOMPSON=1 adds Thompson sampling with either model (one mask set, or
# one member, drawn per real episode and held); STUDY_BETA="" leaves out beta.
set -u
cdrl=$(realpath "$1") out=$2 env=$3 seeds=$4
shift 4
betas=${STUDY_BETA-1}
mkdir -p "$out"
bin="$out/cdrl"
[ -x "$bin" ] && cmp -s "$cdrl" "$bin" || cp "$cdrl" "$bin" # a rebuild during the study does not change it
ensemble="--set agent.model.uncertainty=ensemble:5 --dropout none"
settings=()
[ "${STUDY_BASE:-1}" = 0 ] || settings+=("dropout-b0|")
for beta in $betas; do settings+=("dropout-b$beta|--set agent.planner.beta=$beta"); done
[ "${STUDY_BASE:-1}" = 0 ] || settings+=("ensemble5-b0|$ensemble")
for beta in $betas; do settings+=("ensemble5-b$beta|$ensemble --set agent.planner.beta=$beta"); done
if [ "${STUDY_THOMPSON:-0}" = 1 ]; then
  settings+=("dropout-ts|--set agent.planner.thompson=true" "ensemble5-ts|$ensemble --set agent.planner.thompson=true")
fi
for seed in $seeds; do
  for s in "${settings[@]}"; do
    name=${s%%|*} extra=${s#*|}
    dir="$out/$env-$name-$seed"
    rm -rf "$dir"
    TIMEFORMAT='%3U %3S'
    { time nice -n 5 "$bin" train --agent mb --env "$env" --seed "$seed" --out "$dir" $extra "$@" \
        > "$dir.log" 2>&1; } 2> "$dir.time"
    rc=$?
    cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$dir.time")
    solved=$(tail -1 "$dir.log" | grep -q '^solved' && echo yes || echo no)
    read -r episodes best first < <(awk -F, 'NR > 1 { n = $1; if (best == "" || $4 + 0 > best) best = $4 + 0;
        if (first == "" && $4 + 0 > 0) first = $1 } END { print n, best, (first == "" ? "-" : first) }' \
        "$dir/episodes.csv")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$env" "$name" "$seed" "$rc" "$episodes" "$solved" "$best" \
      "$first" "$cpu" | tee -a "$out/study.tsv"
  done
done
