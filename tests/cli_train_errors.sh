#!/usr/bin/env bash
# cdrl train and cdrl eval as a new user meets them when something is wrong:
# every mistake is one line "cdrl <cmd>: ..." on stderr, exit status 2, and no
# run directory is created.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"


# Flags, checked before anything else.
check unknown-flag 2 "^cdrl train: unknown option '--frob'; try 'cdrl train --help'$" -- train --frob
check stray-argument 2 "^cdrl train: unexpected argument 'cartpole'" -- train cartpole
check missing-value 2 "^cdrl train: --seed needs a value" -- train --agent pg --env cartpole --seed
check bad-seed 2 "^cdrl train: --seed -1: expects an integer >= 0$" -- train --agent pg --env cartpole --seed -1
check bad-seed-text 2 "^cdrl train: --seed abc: expects an integer >= 0$" -- train --agent pg --env cartpole --seed abc
check negative-steps 2 "^cdrl train: --steps -5: expects an integer >= 1" -- train --agent pg --env cartpole --steps -5
check bad-dropout 2 "^cdrl train: --dropout fixed:1.5: P = 1.5 is out of range; accepted none, fixed:P with P in \[0, 1\), concrete$" -- train --agent pg --env cartpole --dropout fixed:1.5
check bad-dropout-word 2 "^cdrl train: --dropout sometimes: not a dropout setting" -- train --agent pg --env cartpole --dropout=sometimes
check no-agent 2 "^cdrl train: --agent is required" -- train --env cartpole
check no-env 2 "^cdrl train: --env is required" -- train --agent pg
check unknown-agent 2 "^cdrl train: unknown agent 'ppo' \(known: pg, mb\)$" -- train --agent ppo --env cartpole

# Config files that cannot be read or parsed, before the agent is looked up.
printf 'run: {\n  seed = 1;\n  steps = ;\n};\n' > syntax.cfg
check config-syntax 2 "^cdrl train: syntax.cfg:3: syntax error$" -- train --agent pg --env cartpole --config syntax.cfg
check config-missing 2 "^cdrl train: nope.cfg: cannot read: No such file or directory$" -- train --agent pg --env cartpole --config nope.cfg
printf 'run: { agent = "mb"; };\n' > mb.cfg
check config-other-agent 2 "^cdrl train: --agent pg contradicts mb.cfg, a config for agent mb$" -- train --agent pg --env cartpole --config mb.cfg

# Resume and eval of directories that hold no run.
mkdir empty
check resume-not-a-run 2 "^cdrl train: empty: not a run directory \(it has no config.cfg\)$" -- train --resume empty
check resume-missing 2 "^cdrl train: gone: no such run directory$" -- train --resume gone
check resume-with-seed 2 "^cdrl train: --resume continues a run with its saved config; --seed cannot be combined with it$" -- train --resume empty --seed 3
check eval-no-dir 2 "^cdrl eval: which run\?" -- eval
check eval-not-a-run 2 "^cdrl eval: empty: not a run directory" -- eval empty
check eval-bad-episodes 2 "^cdrl eval: --episodes 0: expects an integer in \[1, 1000000\]$" -- eval empty --episodes 0
check eval-unknown-flag 2 "^cdrl eval: unknown option '--frob'" -- eval empty --frob

# Config values are judged against the agent's schema.
check unknown-env 2 "^cdrl train: unknown env 'cartpol' \(known: .*cartpole" -- train --agent pg --env cartpol
check unknown-key 2 "^cdrl train: --set run.sed=3: unknown key 'run.sed' \(did you mean 'run.seed'\?\)$" -- train --agent pg --env cartpole --set run.sed=3
check set-no-equals 2 "^cdrl train: --set run.seed: expected key=value" -- train --agent pg --env cartpole --set run.seed
check set-negative-steps 2 "^cdrl train: --set run.steps=-5: out of range, accepted >= 1$" -- train --agent pg --env cartpole --set run.steps=-5
check set-wrong-type 2 "^cdrl train: --set run.seed=1.5: run.seed expects an integer >= 0$" -- train --agent pg --env cartpole --set run.seed=1.5
printf 'run: {\n  sed = 3;\n};\n' > typo.cfg
check file-unknown-key 2 "^cdrl train: typo.cfg:2: unknown key 'run.sed' \(did you mean 'run.seed'\?\)$" -- train --agent pg --env cartpole --config typo.cfg
printf 'run: {\n\n  steps = -1;\n};\n' > range.cfg
check file-range 2 "^cdrl train: range.cfg:3: run.steps = -1: out of range, accepted >= 1$" -- train --agent pg --env cartpole --config range.cfg
printf 'run: { steps = "many"; };\n' > type.cfg
check file-type 2 "^cdrl train: type.cfg:1: run.steps = \"many\": expects an integer >= 1$" -- train --agent pg --env cartpole --config type.cfg
# The dry run prints a config that reproduces itself, and creates nothing.
"$cdrl" train --agent pg --env cartpole --seed 3 --dropout none --dry-run > dry.cfg
"$cdrl" train --config dry.cfg --dry-run > dry2.cfg
if cmp -s dry.cfg dry2.cfg && grep -q "seed = 3;" dry.cfg; then echo "ok dry-run-round-trip"; else echo "FAIL dry-run-round-trip"; fail=1; fi
if grep -Eq 'dropout = "(fixed|concrete)' dry.cfg; then echo "FAIL --dropout none not applied"; fail=1; else echo "ok dropout-flag"; fi
if [ -e runs ]; then echo "FAIL errors or dry runs created runs/"; fail=1; else echo "ok nothing-created"; fi
# A run that stopped before its first checkpoint (killed, diverged, disk
# full) is no dead end: --out says to --resume it, and --resume starts it again.
mkdir -p taken && "$cdrl" train --agent pg --env cartpole --steps 400 --dry-run > taken/config.cfg
check out-taken 2 "^cdrl train: taken already holds a run that stopped before its first checkpoint; start it again from its saved config with --resume taken, or choose another --out$" -- train --agent pg --env cartpole --out taken
check resume-no-checkpoint 0 "^cdrl train: taken has no checkpoint.bin yet \(the run stopped before its first checkpoint\); starting it again" -- train --resume taken
check out-taken-checkpoint 2 "^cdrl train: taken already holds a run; resume it with --resume taken or choose another --out$" -- train --agent pg --env cartpole --out taken
# Divergence after a checkpoint: CDRL_TEST_POISON=12 writes a NaN into the
# policy's parameters after update 12, as a diverging update would (a real
# divergence at learning rate 1 happened at update 152 on one CPU and never on
# another: it depends on the float kernels). The harness's own check finds it;
# the run stops with one line naming the update and the checkpoint it keeps
# (update 10, with checkpoints every 5), and that checkpoint is whole: cdrl
# eval loads it. The real divergences (Adam's state overflowing) are below.
out=$(CDRL_TEST_POISON=12 "$cdrl" train --agent pg --env cartpole --out diverged --steps 100000 \
      --set run.log_every=1000 --set run.checkpoint_every=5 2>&1 >/dev/null); status=$?
if [ "$status" = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
   grep -Eq "^cdrl train: diverged at update 12 \(the last good checkpoint diverged/checkpoint.bin \(update 10\) is kept\): policy[a-z.]*\[0\] is nan" <<<"$out" &&
   "$cdrl" eval diverged --episodes 1 >/dev/null 2>&1; then
  echo "ok diverged-keeps-checkpoint"
else
  echo "FAIL diverged-keeps-checkpoint: exit $status: $out"; fail=1
fi
run_cdrl() { CDRL_TEST_POISON=x "$cdrl" "$@"; }
check bad-poison 2 "^cdrl train: CDRL_TEST_POISON=x: expects a unit number >= 1$" -- train --agent pg --env cartpole --out poison-x
run_cdrl() { "$cdrl" "$@"; }
# Divergence in the optimizer state alone: a huge entropy coefficient makes
# Adam's second moment (g*g in float) overflow to inf while every loss and
# parameter is still finite. The run must stop at that update, write no
# checkpoint, and not claim to keep one.
out=$("$cdrl" train --agent pg --env cartpole --out adam-inf --steps 30000 \
      --set agent.entropy=1e30 --set agent.max_grad_norm=0 2>&1 >/dev/null); status=$?
if [ "$status" = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
   grep -Eq "^cdrl train: diverged at update 1 \(no checkpoint was written before it\): (policy|value)\.adam\.state\[[0-9]+\] is (inf|nan)$" <<<"$out" &&
   [ ! -e adam-inf/checkpoint.bin ]; then
  echo "ok diverged-optimizer-state"
else
  echo "FAIL diverged-optimizer-state: exit $status: $out"; fail=1
fi
[ -e runs ] && { echo "FAIL a failed command created runs/"; fail=1; }
exit $fail
