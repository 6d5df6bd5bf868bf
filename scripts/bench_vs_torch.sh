#!/usr/bin/env bash
# cdrl against PyTorch and numpy on the workloads of `cdrl bench nn`, pinned
# to one core, interleaved: each round runs cdrl's workloads, then the same in
# PyTorch (torch.set_num_threads(1)) and numpy (the planner), so a slow spell
# of the machine hits all alike. Prints the median µs per step of each over
# the rounds and the ratios (peer time / cdrl time: how many times faster
# cdrl is). A benchmark for the docs, not a test: cdrl does not depend on
# PyTorch or numpy (Debian's python3-torch and python3-numpy, which this
# script asks scripts/setup for).
#
#   bash scripts/bench_vs_torch.sh [CDRL_BINARY] [ROUNDS] [SECONDS] [CORE] [ONLY]
#
# Defaults: build/cdrl, 5 rounds, 0.3 CPU seconds per workload and round, core 0;
# ONLY (e.g. planner) keeps the workloads whose names contain it.
set -eu
cdrl=$(realpath "${1:-build/cdrl}")
rounds=${2:-5}
seconds=${3:-0.3}
core=${4:-0}
only=${5:-}
here=$(dirname "$(realpath "$0")")
python=/usr/bin/python3 # Debian's, where python3-torch installs
bash "$here/setup" python3-torch python3-numpy
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The whole pg agent (pg_cartpole_env_step): `cdrl train --agent pg --env
# cartpole` and its PyTorch port (scripts/pg_torch.py: same networks, PPO
# settings, rollout and update structure, CartPole in numpy) for PG_STEPS env
# steps each (default 50,000), seed = round - 1; CPU microseconds per env
# step (cdrl: user + system of the whole process; the port: process CPU time
# from its first reset, so Python's start-up is not counted).
pg_round() { # pg_round SEED
  local TIMEFORMAT='%U %S' t steps=${PG_STEPS:-50000}
  t=$( { time taskset -c "$core" "$cdrl" train --agent pg --env cartpole --seed "$1" --steps "$steps" \
           --set run.stop_when_solved=false --set run.log_every=1000000 --out "$work/pg" >/dev/null; } 2>&1 )
  rm -rf "$work/pg"
  awk -v s="$steps" '{ printf "pg_cartpole_env_step cdrl %.3f\n", 1e6 * ($1 + $2) / s }' <<<"$t"
  taskset -c "$core" "$python" "$here/pg_torch.py" --steps "$steps" --seed "$1" |
    awk '{ print "pg_cartpole_env_step torch", $6 }'
}

for r in $(seq "$rounds"); do
  taskset -c "$core" "$cdrl" bench nn --rounds 1 --seconds "$seconds" ${only:+--only "$only"} |
    awk '/^(cdmlp|planner|mc_forward)/ { print $1, "cdrl", $2 }' >> "$work/times"
  taskset -c "$core" "$python" "$here/bench_vs_torch.py" --seconds "$seconds" --only "$only" >> "$work/times"
  case pg_cartpole_env_step in *"$only"*) pg_round $((r - 1)) >> "$work/times" ;; esac
  echo "round $r of $rounds done" >&2
done

head -2 < <(taskset -c "$core" "$cdrl" bench nn --rounds 1 --seconds 0.01)
echo "PyTorch $("$python" -c 'import torch; print(torch.__version__)'), numpy $("$python" -c 'import numpy; print(numpy.__version__)'), $rounds interleaved rounds of ${seconds} CPU s each, pinned to core $core"
echo
echo "| workload | cdrl µs | PyTorch µs | numpy µs | PyTorch / cdrl | numpy / cdrl |"
echo "|---|---|---|---|---|---|"
sort -k1,1 -k2,2 -k3,3g "$work/times" | awk '
  { v[$1 " " $2, ++n[$1 " " $2]] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++w] = $1 } }
  function med(key,  k, m) { m = n[key]; if (!m) return 0; k = int((m + 1) / 2);
    return m % 2 ? v[key, k] : (v[key, k] + v[key, k + 1]) / 2 }
  function cell(x) { return x ? sprintf("%.1f", x) : "-" }
  function ratio(x, y) { return x && y ? sprintf("%.1fx", x / y) : "-" }
  END { for (i = 1; i <= w; i++) { k = order[i]; c = med(k " cdrl"); t = med(k " torch"); p = med(k " numpy")
          printf "| %s | %s | %s | %s | %s | %s |\n", k, cell(c), cell(t), cell(p), ratio(t, c), ratio(p, c) } }'
