#!/usr/bin/env bash
# check_identical.sh BASE_BIN NEW_BIN: behaviour unchanged, proven. Trains pg
# and mb on cartpole, seeds 0-2, with both binaries (whole runs, plus a run
# stopped by CDRL_TEST_RAISE and resumed, so the stop, checkpoint and CSV
# truncation paths run too) and compares metrics.csv and episodes.csv without
# their wall-time columns, and checkpoint.bin byte for byte.
# Prints one line per compared file and exits 1 if any differ.
# BASE_BIN may instead be a directory filled earlier by
#   check_identical.sh --record DIR BIN
# so the untouched build runs once, not at every check.
# For a change that adds config keys or metrics columns on purpose:
#   AGENTS="mb"        only these agents (default "pg mb")
#   DROP_COLS=REGEX    drop the new build's metrics columns matching REGEX first
#   IGNORE_HASH=1      compare checkpoint.bin without its config hash (bytes
#                      24-31) and CRC (last 4), which change with any new key
set -u
if [ "$1" = --record ]; then record=$2 base=$3 new=; mkdir -p "$record"; else record= base=$1 new=$2; fi
. "$(dirname "$0")/../tests/check_cli.sh"
drop_cols() {
  if [ -z "${DROP_COLS:-}" ]; then cat; return; fi
  awk -F, -v re="$DROP_COLS" 'NR == 1 { for (i = 1; i <= NF; i++) keep[i] = ($i !~ re) }
    { out = ""; for (i = 1; i <= NF; i++) if (keep[i]) out = out (out == "" ? "" : ",") $i; print out }'
}
checkpoint_bytes() { if [ -n "${IGNORE_HASH:-}" ]; then head -c 24 "$1"; tail -c +33 "$1" | head -c -4; else cat "$1"; fi; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
for agent in ${AGENTS:-pg mb}; do
  case $agent in pg) steps=60000 ;; mb) steps=1500 ;; esac
  for seed in 0 1 2; do
    args=(--agent "$agent" --env cartpole --seed "$seed" --steps "$steps"
          --set run.checkpoint_every=3 --set run.log_every=2 --set run.stop_when_solved=false)
    for which in base new; do
      bin=$base; [ "$which" = new ] && bin=$new
      d="$work/$which-$agent-$seed"
      if [ "$which" = base ] && [ -d "$base" ]; then
        cp -r "$base/$agent-$seed-whole" "$d-whole"; cp -r "$base/$agent-$seed-stop" "$d-stop"; continue
      fi
      if [ "$which" = new ] && [ -n "$record" ]; then
        cp -r "$work/base-$agent-$seed-whole" "$record/$agent-$seed-whole"
        cp -r "$work/base-$agent-$seed-stop" "$record/$agent-$seed-stop"; continue 2
      fi
      "$bin" train "${args[@]}" --out "$d-whole" >/dev/null 2>&1 || echo "note: $which $agent $seed whole exited $?"
      CDRL_TEST_RAISE="INT@4" "$bin" train "${args[@]}" --out "$d-stop" >/dev/null 2>&1
      "$bin" train --resume "$d-stop" >/dev/null 2>&1 || echo "note: $which $agent $seed resume exited $?"
    done
    for kind in whole stop; do
      a="$work/base-$agent-$seed-$kind" b="$work/new-$agent-$seed-$kind"
      for f in metrics.csv episodes.csv; do
        if cmp -s <(strip_time "$a/$f") <(strip_time "$b/$f" | drop_cols); then echo "same $agent seed $seed $kind $f ($(wc -l < "$a/$f") lines)"
        else echo "DIFFERENT $agent seed $seed $kind $f"; fail=1; fi
      done
      if cmp -s <(checkpoint_bytes "$a/checkpoint.bin") <(checkpoint_bytes "$b/checkpoint.bin"); then echo "same $agent seed $seed $kind checkpoint.bin ($(stat -c %s "$a/checkpoint.bin") bytes)"
      else echo "DIFFERENT $agent seed $seed $kind checkpoint.bin"; fail=1; fi
    done
  done
done
[ -n "$record" ] && echo "recorded in $record"
exit $fail
