#!/usr/bin/env bash
# Regenerates the pictures of the README and docs/ from real runs, through
# the visualizer's headless path (no display needed).
#
#   bash scripts/readme_pictures.sh [CDRL_BINARY] [RUNS_DIR]
#
# Defaults: build/cdrl, runs/readme. The runs are kept in RUNS_DIR (made
# afresh); the pictures go to docs/img/. About two minutes on one core.
set -eu
cdrl=$(realpath "${1:-build/cdrl}")
runs=${2:-runs/readme}
img=docs/img
rm -rf "$runs"
mkdir -p "$runs" "$img"

# pg on CartPole, seed 0, the whole 500,000-step budget (not stopping when
# solved, so that p and the spread are seen long after): the default config
# (Concrete dropout in the policy), and the same with fixed and no dropout.
train_pg() { # train_pg NAME [OPTIONS...]
  local name=$1; shift
  "$cdrl" train --agent pg --env cartpole --out "$runs/$name" --set run.stop_when_solved=false \
    --set run.log_every=1000000 "$@" >/dev/null
}
train_pg concrete &
train_pg fixed-0.1 --dropout fixed:0.1 &
wait
train_pg none --dropout none

"$cdrl" viz "$runs/concrete" --compare "$runs/fixed-0.1" "$runs/none" --png "$img/pg_compare.png"

# One frame of a replayed episode of the concrete run's saved policy.
frames=$(mktemp -d)
trap 'rm -rf "$frames"' EXIT
"$cdrl" viz "$runs/concrete" --frames "$frames" --episodes 1 >/dev/null
cp "$frames/frame_000120.png" "$img/pg_replay_frame.png"
# The same episode as a video at real time (50 steps a second).
"$cdrl" viz "$runs/concrete" --gif "$img/pg_replay.gif" --gif-size 480x300 >/dev/null

# The model-based agent, seed 0, default config (solved after 5 real
# episodes): a replayed frame, with the model's predicted poles along the plan.
"$cdrl" train --agent mb --env cartpole --out "$runs/mb" --set run.log_every=1000000 >/dev/null
rm -rf "$frames"/*
"$cdrl" viz "$runs/mb" --frames "$frames" --episodes 1 >/dev/null
cp "$frames/frame_000100.png" "$img/mb_replay_frame.png"
"$cdrl" viz "$runs/mb" --gif "$img/mb_replay.gif" --gif-size 480x300 >/dev/null

# A CartPole state alone, with the limits and the force arrow.
"$cdrl" viz --state 0.6,0.2,0.15,0.1 --push right --size 800x400 --png "$img/viz_cartpole_frame.png"
