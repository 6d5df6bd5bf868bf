#!/usr/bin/env bash
# Writes a SYNTHETIC run directory (metrics.csv, episodes.csv with the columns
# the agents write) to show the visualizer's layout before real runs exist.
# The numbers are made up by formula: they are not a training result.
#   bash docs/viz_synthetic_run.sh DIR learned|fixed
set -euo pipefail
dir=$1 kind=${2:-learned}
mkdir -p "$dir"
awk -v kind="$kind" -v dir="$dir" 'BEGIN {
  srand(kind == "learned" ? 1 : 2)
  m = dir "/metrics.csv"; e = dir "/episodes.csv"
  print "iteration,env_steps,episodes,return_mean,return_min,return_max,policy_loss,value_loss,entropy,p_0,p_1,mc_spread" > m
  print "episode,return,length" > e
  steps = 0; ep = 0
  for (it = 1; it <= 80; it++) {
    got = 0
    while (got < 4000) {
      skill = steps / 250000; if (skill > 1) skill = 1
      r = int(20 + 480 * skill ^ 1.5 + (rand() - 0.5) * (80 + 120 * skill))
      if (r < 8) r = 8; if (r > 500) r = 500
      ep++; steps += r; got += r; ret[ep] = r
      print ep "," r "," r > e
    }
    n = 0; s = 0; lo = 1e9; hi = 0
    for (k = ep; k > ep - 100 && k > 0; k--) { n++; s += ret[k]; if (ret[k] < lo) lo = ret[k]; if (ret[k] > hi) hi = ret[k] }
    p0 = kind == "learned" ? 0.1 * exp(-steps / 120000) + 0.02 : 0.1
    p1 = kind == "learned" ? 0.08 * exp(-steps / 90000) + 0.01 : 0.1
    spread = (kind == "learned" ? 0.2 : 0.25) * exp(-steps / 100000) + 0.01 * rand()
    printf "%d,%d,%d,%.2f,%d,%d,%.4f,%.3f,%.4f,%.5f,%.5f,%.5f\n", it, steps, ep, s / n, lo, hi, (rand() - 0.5) / 5, rand() * 10, 0.69 - 0.4 * skill, p0, p1, spread > m
  }
}'
