#!/usr/bin/env bash
# The mb agent's uncertainty as a user meets it: a tiny run logs the model's
# calibration per refit (columns present, coverages fractions that grow with
# the interval, a finite NLL); beta != 0 adds the planner's expectations
# (beta = 0 does not); Thompson sampling runs; beta with Thompson is one
# clear line, exit 2; cdrl viz --png draws the reliability diagram headless.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
src=${2:-.}
export LSAN_OPTIONS="suppressions=$src/tests/lsan_system.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
tmp=$(mktemp -d /tmp/cdrl_cli_uncertainty.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
small=(train --agent mb --env cartpole --seed 2 --steps 300 --set run.stop_when_solved=false
       --set agent.model.fit_steps=100 --set agent.planner.candidates=30 --set agent.planner.horizon=10)

# column NAME FILE: the values of column NAME, one per row
column() { awk -F, -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } c { print $c }' "$2"; }

"$cdrl" "${small[@]}" --out "$tmp/b0" >/dev/null 2>&1 || { echo "FAIL beta 0 run"; fail=1; }
header=$(head -1 "$tmp/b0/metrics.csv")
want="cal_nll cal_rank"
for p in 10 20 30 40 50 60 70 80 90; do want="$want cal_cover_$p cal_epi_cover_$p"; done
missing=
for c in $want; do grep -Eq "(^|,)$c(,|$)" <<<"$header" || missing="$missing $c"; done
[ -z "$missing" ] && echo "ok calibration columns" || { echo "FAIL missing columns:$missing"; fail=1; }
grep -q "plan_score" <<<"$header" && { echo "FAIL beta = 0 writes plan columns"; fail=1; } || echo "ok no plan columns at beta 0"
# every row after the first refit: nll finite, coverages in [0, 1] and non-decreasing in the level
bad=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "cal_nll") nll = i; if ($i ~ /^cal_cover_/) cov[++n] = i }; next }
     $nll !~ /^-?[0-9.e+-]+$/ { print "nll " $nll; next }
     { prev = 0; for (k = 1; k <= n; k++) { v = $cov[k] + 0; if (v < prev || v > 1) print "cover " v; prev = v } }' "$tmp/b0/metrics.csv")
rows=$(($(wc -l < "$tmp/b0/metrics.csv") - 1))
[ -z "$bad" ] && [ "$rows" -ge 2 ] && echo "ok calibration values sane ($rows rows)" || { echo "FAIL calibration values: $bad"; fail=1; }

"$cdrl" "${small[@]}" --set agent.planner.beta=-1 --out "$tmp/bneg" >/dev/null 2>&1 || { echo "FAIL beta -1 run"; fail=1; }
stds=$(column plan_particle_std "$tmp/bneg/metrics.csv" | grep -v nan)
[ -n "$stds" ] && awk '$1 < 0 { bad = 1 } END { exit bad }' <<<"$stds" && echo "ok plan columns at beta -1" \
  || { echo "FAIL plan_particle_std: '$stds'"; fail=1; }

"$cdrl" "${small[@]}" --set agent.planner.thompson=true --out "$tmp/ts" >/dev/null 2>&1 && echo "ok thompson run" \
  || { echo "FAIL thompson run"; fail=1; }
check beta-with-thompson 2 "agent.planner.beta = 0.5 with agent.planner.thompson" -- \
  "${small[@]}" --set agent.planner.thompson=true --set agent.planner.beta=0.5 --out "$tmp/bad"

SDL_VIDEODRIVER=offscreen "$cdrl" viz "$tmp/bneg" --png "$tmp/dash.png" >/dev/null 2>&1 && [ -s "$tmp/dash.png" ] \
  && echo "ok reliability diagram png" || { echo "FAIL viz --png"; fail=1; }
exit $fail
