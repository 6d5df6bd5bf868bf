#!/usr/bin/env bash
# The examples (examples/*.c, built against libcdrl.so) run as a user runs them:
#   (c) vec_env_step: a batched built-in env stepped from C, the same fingerprint twice;
#   (a) custom_env: a user-defined env registered and trained by pg (it checks
#       its own learning threshold and exits 1 if the policy did not learn);
#   (b) load_policy: a run trained by the cdrl program loaded and played from C,
#       equal to the library's evaluation bit for bit (checked by the example).
#   tests/examples.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$tmp"

"$build/examples/vec_env_step" cartpole 4 60 3 > a.txt || fail "vec_env_step"
"$build/examples/vec_env_step" cartpole 4 60 3 > b.txt
cmp -s a.txt b.txt || fail "vec_env_step: two runs differ"
[ "$(wc -l < a.txt)" -eq $((4 * 61)) ] || fail "vec_env_step: $(wc -l < a.txt) lines, want 244"
# 60 steps of an alternating pattern outlast some cartpole episodes: a reset is seen.
awk '$4 == 1 || $5 == 1' a.txt | grep >/dev/null . || fail "vec_env_step: no episode ended in 60 steps"
"$build/examples/vec_env_step" pendulum 2 5 3 > /dev/null || fail "vec_env_step on a continuous env"
if "$build/examples/vec_env_step" nosuchenv 2>err.txt; then fail "vec_env_step accepted an unknown env"; fi
grep >/dev/null "unknown env 'nosuchenv'" err.txt || fail "vec_env_step: unexpected message $(cat err.txt)"

"$build/examples/custom_env" "$tmp/homing" > custom.txt || { cat custom.txt; fail "custom_env"; }
grep >/dev/null "eval mode" custom.txt || fail "custom_env printed no evaluation"
[ -s "$tmp/homing/checkpoint.bin" ] && [ -s "$tmp/homing/metrics.csv" ] || fail "custom_env wrote no run"

"$build/cdrl" train --agent pg --env cartpole --set run.steps=3000 --out "$tmp/cartpole" > /dev/null ||
  fail "cdrl train for load_policy"
"$build/examples/load_policy" "$tmp/cartpole" 3 > load.txt || { cat load.txt; fail "load_policy"; }
grep >/dev/null "policy for cartpole" load.txt || fail "load_policy: $(head -1 load.txt)"
if "$build/examples/load_policy" "$tmp/nothing" 2>err.txt; then fail "load_policy accepted a missing run"; fi
grep >/dev/null "no such run directory" err.txt || fail "load_policy: unexpected message $(cat err.txt)"
echo "examples: vec_env_step, custom_env, load_policy pass"
