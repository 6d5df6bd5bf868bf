#!/usr/bin/env bash
# cdrl sweep under Open MPI: in a build with -DCDRL_MPI=ON, a tiny pg sweep
# (2 settings x 2 seeds) run as `mpirun --oversubscribe -n 3 cdrl sweep`
# (rank 0 hands the points to ranks 1 and 2) must finish every point, use
# both worker ranks, and write the same results as the local worker pool.
# Skipped (passes) in a build without MPI; scripts/run test-mpi builds one.
set -u
cdrl=$1
fail=0
if ! "$cdrl" sweep --help | grep -q 'This build has MPI'; then
  echo "skip: this cdrl is built without MPI (scripts/run test-mpi builds one with it)"
  exit 0
fi
command -v mpirun > /dev/null || { echo "FAIL: cdrl has MPI but there is no mpirun"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > tiny.cfg <<'CFG'
sweep: {
  env = "cartpole";
  agents = ["pg"];
  dropout = ["none", "concrete"];
  seeds = [0, 1];
  set = ["run.steps=4000", "run.checkpoint_every=2"];
};
pg: { set = ["agent.envs=4", "agent.min_steps=32"]; };
CFG
mpirun --oversubscribe -n 3 "$cdrl" sweep --config tiny.cfg --out M > M.out 2> M.err
status=$?
if [ "$status" = 0 ] && grep -q 'on 2 MPI worker ranks' M.out && grep -q '(rank 1)' M.out && grep -q '(rank 2)' M.out &&
   [ "$(grep -l '^status = "done"' M/runs/*/result.cfg | wc -l)" = 4 ] && [ -s M/summary.csv ]; then
  echo "ok mpirun -n 3: every point done on ranks 1 and 2"
else
  echo "FAIL mpirun -n 3: exit $status: $(tail -3 M.out) $(cat M.err)"; fail=1
fi
# The same sweep over the local pool gives the same table (wall time aside).
"$cdrl" sweep --config tiny.cfg --out L --jobs 2 > L.out 2>&1 || { echo "FAIL local sweep: $(tail -3 L.out)"; fail=1; }
cut_wall() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) keep[i] = ($i !~ /wall/) }
                     { o = ""; for (i = 1; i <= NF; i++) if (keep[i]) o = o (o == "" ? "" : ",") $i; print o }' "$1"; }
cmp -s <(cut_wall M/summary.csv) <(cut_wall L/summary.csv) && echo "ok MPI and local summaries agree" ||
  { echo "FAIL MPI and local summaries differ"; diff <(cut_wall M/summary.csv) <(cut_wall L/summary.csv) | head -4; fail=1; }
exit $fail
