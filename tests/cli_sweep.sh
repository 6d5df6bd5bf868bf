#!/usr/bin/env bash
# cdrl sweep as a user meets it: sweep files with mistakes (one line naming
# the file, the line and the key; nothing created), a tiny pg sweep (2
# settings x 2 seeds, a few thousand steps each) whose summary must agree with
# its run directories, re-running (finished points skipped), a point that
# crashes (recorded as failed, the others go on, --retry-failed resumes it
# from its checkpoint and ends as if it never crashed), a changed sweep file
# (refused), and Ctrl-C (SIGINT to the sweep: points stop at checkpoints,
# the next run finishes them with the same files as an uninterrupted run).
# The crash comes from CDRL_TEST_RAISE=KILL@3 limited to one point by
# CDRL_TEST_RAISE_POINT; the Ctrl-C is sent once a point has logged an
# update, so nothing here depends on timing.
set -u
cdrl=$1
src=$2
fail=0
. "$src/tests/check_cli.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A value of result.cfg: field DIR KEY
field() { sed -n "s/^$2 = \"\{0,1\}\([^\";]*\)\"\{0,1\};.*/\1/p" "$1/result.cfg"; }
# A column of summary.csv for one dropout setting: csv_col FILE SETTING COLUMN
csv_col() {
  awk -F, -v s="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
                               $4 == s { print $(col[c]) }' "$1"
}
close_to() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-9 * (1 + (b < 0 ? -b : b))) }'; }

# ---- Mistakes in sweep files --------------------------------------------------
write_bad() { # write_bad FILE EXTRA_SWEEP_LINE [TRAILING TEXT]
  printf 'sweep: {\n  env = "cartpole";\n  agents = ["pg"];\n  dropout = ["none"];\n  seeds = [0];\n  out = "bad-out";\n%s\n};\n%s\n' "$2" "${3:-}" > "$1"
}
write_bad typo.cfg '  seed = [1];'
check "unknown key suggests" 2 "^cdrl sweep: typo.cfg:7: unknown key 'sweep.seed' \(did you mean 'seeds'\?\)" -- sweep --config typo.cfg
sed 's/"none"/"fixed:2"/' typo.cfg | sed '/seed = \[1\]/d' > dropout.cfg
check "bad dropout setting" 2 '^cdrl sweep: dropout.cfg:4: sweep.dropout\[0\] = "fixed:2": .*accepted none, fixed:P' -- sweep --config dropout.cfg
write_bad lr.cfg '' 'pg: {
  set = ["agent.lr=0"];
};'
check "bad value at its line" 2 '^cdrl sweep: lr.cfg:10: agent.lr=0: .*out of range' -- sweep --config lr.cfg
write_bad lrr.cfg '' 'pg: { set = ["agent.lrr=0.1"]; };'
check "unknown override key" 2 "^cdrl sweep: lrr.cfg:9: agent.lrr=0.1: unknown key 'agent.lrr' \(did you mean 'agent.lr'\?\)" -- sweep --config lrr.cfg
write_bad grid.cfg '  grid = ( { key = "agent.epochs"; values = [2, -1]; } );'
check "bad grid value" 2 '^cdrl sweep: grid.cfg:7: agent.epochs=-1: ' -- sweep --config grid.cfg
sed 's/\["pg"\]/["pgg"]/' dropout.cfg | sed 's/fixed:2/none/' > agent.cfg
check "unknown agent" 2 "^cdrl sweep: agent.cfg:3: sweep.agents: unknown agent 'pgg'" -- sweep --config agent.cfg
write_bad syntax.cfg '  dropout2 = ;'
check "syntax error" 2 '^cdrl sweep: syntax.cfg:7: syntax error' -- sweep --config syntax.cfg
check "no config" 2 'config FILE is required' -- sweep
check "bad --jobs" 2 'jobs 0: expects an integer' -- sweep --config typo.cfg --jobs 0
check "summarize a non-sweep" 2 'not a sweep directory' -- sweep --summarize .
if [ -e bad-out ]; then echo "FAIL mistakes: a sweep directory was created"; fail=1; fi

# ---- A tiny sweep -------------------------------------------------------------
cat > tiny.cfg <<'EOF'
sweep: {
  env = "cartpole";
  agents = ["pg"];
  dropout = ["none", "concrete"];
  seeds = [0, 1];
  out = "A";
  set = ["run.steps=4000", "run.checkpoint_every=2", "run.log_every=1"];
};
pg: { set = ["agent.envs=4", "agent.min_steps=32"]; };
EOF
points="pg_none_seed0 pg_none_seed1 pg_concrete_seed0 pg_concrete_seed1"
"$cdrl" sweep --config tiny.cfg --jobs 2 > A.out 2> A.err
status=$?
if [ "$status" != 0 ]; then echo "FAIL tiny sweep: exit $status ($(cat A.err))"; fail=1; else echo "ok tiny sweep runs"; fi
for p in $points; do
  for f in config.cfg metrics.csv episodes.csv checkpoint.bin result.cfg log.txt; do
    [ -s "A/runs/$p/$f" ] || { echo "FAIL tiny sweep: A/runs/$p/$f missing"; fail=1; }
  done
  [ "$(field "A/runs/$p" status)" = done ] || { echo "FAIL tiny sweep: $p not done"; fail=1; }
done
for f in summary.csv summary.md sweep.cfg plots/pg_returns.png plots/pg_p.png; do
  [ -s "A/$f" ] || { echo "FAIL tiny sweep: A/$f missing"; fail=1; }
done
if [ "$(head -c 4 A/plots/pg_returns.png | od -An -c | tr -d ' ')" != '211PNG' ]; then
  echo "FAIL tiny sweep: pg_returns.png is not a PNG"; fail=1
fi
# The summary against the run directories, setting by setting.
ok=1
for s in none concrete; do
  runs=$(csv_col A/summary.csv "$s" done)
  [ "$runs" = 2 ] || { echo "FAIL summary: $s done = '$runs', wanted 2"; ok=0; }
  want=$(for k in 0 1; do field "A/runs/pg_${s}_seed$k" final_return; done | awk '{ s += $1 } END { printf "%.17g", s / NR }')
  got=$(csv_col A/summary.csv "$s" final_return_mean)
  close_to "$got" "$want" || { echo "FAIL summary: $s final_return_mean $got, run dirs give $want"; ok=0; }
  want=$(for k in 0 1; do field "A/runs/pg_${s}_seed$k" env_steps; done | awk '{ s += $1 } END { print s }')
  got=$(csv_col A/summary.csv "$s" env_steps_total)
  [ "$got" = "$want" ] || { echo "FAIL summary: $s env_steps_total $got, run dirs give $want"; ok=0; }
done
want=$(for k in 0 1; do strip_time "A/runs/pg_concrete_seed$k/metrics.csv" |
       awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "p_policy_l1") c = i; next } { v = $c } END { print v }'; done |
       awk '{ s += $1 } END { printf "%.9g", s / NR }')
got=$(csv_col A/summary.csv concrete p_policy_l1_mean)
awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' ||
  { echo "FAIL summary: concrete p_policy_l1_mean $got, metrics give $want"; ok=0; }
[ $ok = 1 ] && echo "ok summary agrees with the run directories" || fail=1

# --summarize recomputes the same table from the run directories.
cp A/summary.csv A.summary.csv
"$cdrl" sweep --summarize A > /dev/null 2>&1 && cmp -s A/summary.csv A.summary.csv &&
  echo "ok --summarize recomputes the table" || { echo "FAIL --summarize gives another table"; fail=1; }

# Solving: the median and quartiles of the cost of solving, from result files
# edited to known numbers (no tiny run solves CartPole).
mkdir -p S && cp -r A/runs A/sweep.cfg S/
for k in 0 1; do
  sed -i "s/^solved = .*/solved = true;/; s/^env_steps = .*/env_steps = $((1000 + 2000 * k))L;/" "S/runs/pg_none_seed$k/result.cfg"
done
"$cdrl" sweep --summarize S > /dev/null 2>&1
got="$(csv_col S/summary.csv none solved) $(csv_col S/summary.csv none solve_median) $(csv_col S/summary.csv none solve_q1) $(csv_col S/summary.csv none solve_q3)"
[ "$got" = "2 2000 1500 2500" ] && echo "ok median and IQR of steps to solve" ||
  { echo "FAIL solved/median/q1/q3 = '$got', wanted '2 2000 1500 2500'"; fail=1; }
grep -q '| none | 2/2 | 2000 \[1500 – 2500\]' S/summary.md && echo "ok summary.md row" ||
  { echo "FAIL summary.md lacks the row: $(grep '| none' S/summary.md)"; fail=1; }

# The IQM, its interval and the probability of improvement over the baseline
# ("none"), from final returns edited to known numbers: none 10 and 20,
# concrete 30 and 40. Two runs keep both (a quarter of 2 is 0), every
# resample of concrete beats every resample of none.
for k in 0 1; do
  sed -i "s/^final_return = .*/final_return = $((10 + 10 * k)).0;/" "S/runs/pg_none_seed$k/result.cfg"
  sed -i "s/^final_return = .*/final_return = $((30 + 10 * k)).0;/" "S/runs/pg_concrete_seed$k/result.cfg"
done
"$cdrl" sweep --summarize S > /dev/null 2>&1
got="$(csv_col S/summary.csv none final_return_iqm) $(csv_col S/summary.csv none final_return_iqm_lo) $(csv_col S/summary.csv none final_return_iqm_hi) $(csv_col S/summary.csv none improvement_vs_baseline)"
[ "$got" = "15 10 20 0.5" ] && echo "ok IQM, its interval, and the baseline against itself" ||
  { echo "FAIL none: iqm/lo/hi/improvement = '$got', wanted '15 10 20 0.5'"; fail=1; }
got="$(csv_col S/summary.csv concrete final_return_iqm) $(csv_col S/summary.csv concrete improvement_vs_baseline) $(csv_col S/summary.csv concrete improvement_lo) $(csv_col S/summary.csv concrete improvement_hi)"
[ "$got" = "35 1 1 1" ] && echo "ok probability of improvement" ||
  { echo "FAIL concrete: iqm/improvement/lo/hi = '$got', wanted '35 1 1 1'"; fail=1; }
grep -q '| concrete | .* | 35.0 \[30.0 – 40.0\] | 1.00 \[1.00 – 1.00\] |' S/summary.md &&
  grep -q '| none | .* | 15.0 \[10.0 – 20.0\] | (baseline) |' S/summary.md &&
  echo "ok summary.md IQM and improvement columns" ||
  { echo "FAIL summary.md IQM columns: $(grep -E '^\| (none|concrete) ' S/summary.md)"; fail=1; }
# The cost spent, unsolved runs counted at everything they ran: none solved
# at 1000 and 3000 env steps (above); concrete solves at 500 on seed 0 and
# runs 800 steps without solving on seed 1. Solved runs alone would give
# concrete a median of 500; spent, its IQM is 650 (two runs: their mean),
# none's 2000, and every concrete run spends less than every none run.
sed -i "s/^solved = .*/solved = true;/; s/^env_steps = .*/env_steps = 500L;/" S/runs/pg_concrete_seed0/result.cfg
sed -i "s/^solved = .*/solved = false;/; s/^env_steps = .*/env_steps = 800L;/" S/runs/pg_concrete_seed1/result.cfg
"$cdrl" sweep --summarize S > /dev/null 2>&1
got="$(csv_col S/summary.csv concrete solve_median) $(csv_col S/summary.csv concrete spent_iqm) $(csv_col S/summary.csv concrete spent_iqm_lo) $(csv_col S/summary.csv concrete spent_iqm_hi) $(csv_col S/summary.csv concrete fewer_vs_baseline) $(csv_col S/summary.csv concrete fewer_lo) $(csv_col S/summary.csv concrete fewer_hi) $(csv_col S/summary.csv none spent_iqm) $(csv_col S/summary.csv none fewer_vs_baseline)"
[ "$got" = "500 650 500 800 1 1 1 2000 0.5" ] && echo "ok cost spent counts unsolved runs, and P(fewer)" ||
  { echo "FAIL spent: '$got', wanted '500 650 500 800 1 1 1 2000 0.5'"; fail=1; }
grep -q '| concrete | 1/2 | 500 \[500 – 500\] | 650 \[500 – 800\] | 1.00 \[1.00 – 1.00\] |' S/summary.md &&
  grep -q '| none | 2/2 | 2000 \[1500 – 2500\] | 2000 \[1000 – 3000\] | (baseline) |' S/summary.md &&
  echo "ok summary.md spent columns" ||
  { echo "FAIL summary.md spent columns: $(grep -E '^\| (none|concrete) ' S/summary.md)"; fail=1; }
sed -i 's/^\(  *dropout = .*\)$/\1\n  baseline = "concrete";/' S/sweep.cfg
"$cdrl" sweep --summarize S > /dev/null 2>&1
got="$(csv_col S/summary.csv none improvement_vs_baseline) $(csv_col S/summary.csv concrete improvement_vs_baseline)"
[ "$got" = "0 0.5" ] && echo "ok sweep.baseline names the setting compared with" ||
  { echo "FAIL baseline = concrete: improvement none/concrete = '$got', wanted '0 0.5'"; fail=1; }
write_bad baseline.cfg '  baseline = "fixed:0.1";'
check "baseline not among the settings" 2 '^cdrl sweep: baseline.cfg:7: sweep.baseline: expects one of the dropout settings \("none"\)' -- sweep --config baseline.cfg

# sweep.baseline_grid: over a grid, every combination is compared with one
# group rather than each with its own baseline setting. A grid sweep made of
# the tiny runs (agent.epochs 2 and 4 x none and concrete x seeds 0 and 1),
# final returns edited to known numbers: epochs 2: none 10, 20, concrete 30, 40;
# epochs 4: none 50, 60, concrete 0, 5.
mkdir -p G/runs
printf 'sweep: {\n  env = "cartpole";\n  agents = ["pg"];\n  dropout = ["none", "concrete"];\n  seeds = [0, 1];\n  grid = ( { key = "agent.epochs"; values = [2, 4]; } );\n};\n' > G/sweep.cfg
returns="2 none 10 20|2 concrete 30 40|4 none 50 60|4 concrete 0 5"
IFS='|' read -ra groups <<< "$returns"
for g in "${groups[@]}"; do
  read -r epochs setting r0 r1 <<< "$g"
  for k in 0 1; do
    d="G/runs/pg_${setting}_agent.epochs=${epochs}_seed$k"
    cp -r "A/runs/pg_${setting}_seed$k" "$d"
    r=$r0; [ $k = 1 ] && r=$r1
    sed -i "s/^final_return = .*/final_return = $r.0;/" "$d/result.cfg"
  done
done
# A column of summary.csv for one grid value and setting: grid_col FILE GRID SETTING COLUMN
grid_col() {
  awk -F, -v g="\"$2\"" -v s="$3" -v c="$4" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
                                            $3 == g && $4 == s { print $(col[c]) }' "$1"
}
improvements() {
  for g in "2 none" "2 concrete" "4 none" "4 concrete"; do
    set -- $g; grid_col G/summary.csv "agent.epochs=$1" "$2" improvement_vs_baseline
  done | tr '\n' ' '
}
"$cdrl" sweep --summarize G > /dev/null 2>&1
got=$(improvements)
[ "$got" = "0.5 1 0.5 0 " ] && echo "ok without baseline_grid each combination has its own baseline" ||
  { echo "FAIL grid, no baseline_grid: improvements '$got', wanted '0.5 1 0.5 0 '"; fail=1; }
[ ! -e G/plots/pg_all_solved.png ] && echo "ok no plot of every combination without baseline_grid" ||
  { echo "FAIL plot of every combination drawn without baseline_grid"; fail=1; }
sed -i 's/^\(  *grid = .*\)$/\1\n  baseline_grid = ["agent.epochs=2.0"];/' G/sweep.cfg
"$cdrl" sweep --summarize G > /dev/null 2>&1
got=$(improvements)
[ "$got" = "0.5 1 1 0 " ] && echo "ok sweep.baseline_grid compares every combination with one group" ||
  { echo "FAIL baseline_grid: improvements '$got', wanted '0.5 1 1 0 '"; fail=1; }
[ "$(grep -c '(baseline)' G/summary.md)" = 1 ] && grep -q '^Baseline: none at agent.epochs=2 (sweep.baseline_grid)' G/summary.md &&
  grep -q '^| none | .* | 55.0 \[50.0 – 60.0\] | 1.00 \[1.00 – 1.00\] |' G/summary.md &&
  echo "ok summary.md names the one baseline" || { echo "FAIL summary.md with baseline_grid: $(grep -E 'aseline' G/summary.md)"; fail=1; }
[ -s G/plots/pg_all_solved.png ] && grep -q '(plots/pg_all_solved.png)' G/summary.md &&
  echo "ok the plot of every combination" || { echo "FAIL no plots/pg_all_solved.png"; fail=1; }
grid_line='  grid = ( { key = "agent.epochs"; values = [2, 4]; } );'
write_bad bgrid_value.cfg "$grid_line
  baseline_grid = [\"agent.epochs=3\"];"
check "baseline_grid value not in the grid" 2 '^cdrl sweep: bgrid_value.cfg:8: sweep.baseline_grid\[0\] = "agent.epochs=3": 3 is not one of the grid.s values of agent.epochs$' -- sweep --config bgrid_value.cfg
write_bad bgrid_key.cfg "$grid_line
  baseline_grid = [\"agent.epochs=2\", \"agent.lr=0.001\"];"
check "baseline_grid key not a grid key" 2 '^cdrl sweep: bgrid_key.cfg:8: sweep.baseline_grid\[1\] = "agent.lr=0.001": agent.lr is not a grid key of any agent$' -- sweep --config bgrid_key.cfg
write_bad bgrid_missing.cfg "  grid = ( { key = \"agent.epochs\"; values = [2, 4]; }, { key = \"agent.lr\"; values = [1e-3, 3e-4]; } );
  baseline_grid = [\"agent.epochs=2\"];"
check "baseline_grid misses a grid key" 2 '^cdrl sweep: bgrid_missing.cfg:8: sweep.baseline_grid: no value for the grid key agent.lr of agent pg; name one value of every grid key$' -- sweep --config bgrid_missing.cfg
write_bad bgrid_form.cfg "$grid_line
  baseline_grid = [\"agent.epochs\"];"
check "baseline_grid entry without =" 2 '^cdrl sweep: bgrid_form.cfg:8: sweep.baseline_grid\[0\] = "agent.epochs": expected "key=value"' -- sweep --config bgrid_form.cfg

# Re-running skips every finished point and changes nothing.
cp A/runs/pg_none_seed0/metrics.csv before.csv
"$cdrl" sweep --config tiny.cfg --jobs 2 > A2.out 2>&1
grep -q '4 points (4 done, 0 failed, 0 to run)' A2.out && cmp -s before.csv A/runs/pg_none_seed0/metrics.csv &&
  echo "ok re-run skips finished points" || { echo "FAIL re-run: $(head -1 A2.out)"; fail=1; }

# A changed sweep file must not mix configs in one directory.
sed 's/run.steps=4000/run.steps=5000/' tiny.cfg > changed.cfg
check "changed config refused" 2 'holds a run of another config' -- sweep --config changed.cfg --out A

# ---- A point that crashes -----------------------------------------------------
CDRL_TEST_RAISE=KILL@3 CDRL_TEST_RAISE_POINT=concrete_seed1 "$cdrl" sweep --config tiny.cfg --out B --jobs 2 > B.out 2> B.err
status=$?
if [ "$status" = 1 ] && [ "$(field B/runs/pg_concrete_seed1 status)" = failed ] &&
   grep -q 'killed by signal 9' B/runs/pg_concrete_seed1/result.cfg &&
   grep -q 'failed: `pg_concrete_seed1`: crashed: killed by signal 9' B/summary.md &&
   grep -q '1 point failed' B.err; then
  echo "ok a crashing point is recorded as failed"
else
  echo "FAIL crash: exit $status, $(grep status B/runs/pg_concrete_seed1/result.cfg), $(cat B.err)"; fail=1
fi
for p in pg_none_seed0 pg_none_seed1 pg_concrete_seed0; do
  [ "$(field "B/runs/$p" status)" = done ] || { echo "FAIL crash: $p did not finish"; fail=1; }
done
"$cdrl" sweep --config tiny.cfg --out B > B2.out 2>&1
[ $? = 1 ] && grep -q '(3 done, 1 failed, 0 to run)' B2.out && echo "ok failed points are skipped" ||
  { echo "FAIL re-run after crash: $(head -1 B2.out)"; fail=1; }
"$cdrl" sweep --config tiny.cfg --out B --retry-failed > B3.out 2>&1
status=$?
if [ "$status" = 0 ] && grep -q 'pg_concrete_seed1 (resumed): not solved' B3.out; then
  echo "ok --retry-failed resumes the failed point"
else
  echo "FAIL --retry-failed: exit $status: $(cat B3.out | head -3)"; fail=1
fi
for p in $points; do same_run "crash-resume $p" "A/runs/$p" "B/runs/$p"; done

# ---- Ctrl-C -------------------------------------------------------------------
cat > long.cfg <<'EOF'
sweep: {
  env = "cartpole";
  agents = ["pg"];
  dropout = ["concrete"];
  n_seeds = 2;
  out = "C";
  set = ["run.steps=15000", "run.checkpoint_every=2", "run.log_every=1", "run.stop_when_solved=false"];
};
pg: { set = ["agent.envs=4", "agent.min_steps=32"]; };
EOF
"$cdrl" sweep --config long.cfg --jobs 2 > C.out 2> C.err &
pid=$!
for _ in $(seq 1 600); do grep -qs '^update' C/runs/*/log.txt && break; sleep 0.05; done
kill -INT $pid
wait $pid
status=$?
if [ "$status" = 130 ] && grep -q 'run the same command again' C.err && ! grep -qs '^status = "failed"' C/runs/*/result.cfg &&
   [ -z "$(find C -name '*.tmp*')" ]; then
  echo "ok Ctrl-C stops the sweep cleanly"
else
  echo "FAIL Ctrl-C: exit $status ($(cat C.err))"; fail=1
fi
"$cdrl" sweep --config long.cfg --jobs 2 > C2.out 2>&1 || { echo "FAIL after Ctrl-C: $(cat C2.out)"; fail=1; }
for k in 0 1; do
  "$cdrl" train --config "C/runs/pg_concrete_seed$k/config.cfg" --out "ref$k" > /dev/null 2>&1 ||
    { echo "FAIL reference run $k"; fail=1; }
  same_run "Ctrl-C then resume, seed $k" "ref$k" "C/runs/pg_concrete_seed$k"
done

# ---- One writer per sweep point ------------------------------------------------
# While a sweep runs its points, a second sweep on the directory, a second
# child on one point (`--run-point`, what a second sweep's worker would run)
# and a `cdrl train --resume` of a point are each refused with one line; the
# point's files get no second writer (every update once, in order). The
# points run long (100000 steps), so they are still running when the
# second writers come; the sweep is then stopped with Ctrl-C.
sed 's/run.steps=15000/run.steps=100000/; s/out = "C"/out = "L"/' long.cfg > lock.cfg
"$cdrl" sweep --config lock.cfg --jobs 2 > L.out 2> L.err &
pid=$!
for _ in $(seq 1 600); do grep -qs '^update' L/runs/pg_concrete_seed0/log.txt && grep -qs '^update' L/runs/pg_concrete_seed1/log.txt && break; sleep 0.05; done
check "second sweep on a running sweep" 2 "^cdrl sweep: L is in use by another cdrl sweep" -- sweep --config lock.cfg
check "second child of a running point" 2 "^cdrl sweep: L/runs/pg_concrete_seed0 is in use by another cdrl \(pid [0-9]+\)" -- sweep --run-point L/runs/pg_concrete_seed0
check "train --resume of a running point" 2 "^cdrl train: L/runs/pg_concrete_seed1 is in use by another cdrl \(pid [0-9]+\)" -- train --resume L/runs/pg_concrete_seed1
kill -INT $pid
wait $pid
status=$?
[ "$status" = 130 ] && echo "ok the locked sweep stops" || { echo "FAIL locked sweep: exit $status ($(cat L.err))"; fail=1; }
for k in 0 1; do
  f=L/runs/pg_concrete_seed$k/metrics.csv
  if awk -F, 'NR > 1 && $1 != NR - 1 { bad = 1 } END { exit bad || NR < 2 }' "$f"; then
    echo "ok point $k: every update once, in order"
  else
    echo "FAIL point $k: $f has repeated or missing updates"; fail=1
  fi
done

exit $fail
