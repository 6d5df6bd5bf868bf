#!/usr/bin/env bash
# The one flag table behind every subcommand (cli/flags.c), as a user meets
# it: "--flag=VALUE" means "--flag VALUE" everywhere; an unknown option, a
# missing value and a value given to a switch are one line each with exit
# status 2; --help lists every option of the command's table; and
# `cdrl sweep --set KEY=VALUE` reaches every point, checked before any work.
set -u
cdrl=$1
src=$2
fail=0
. "$src/tests/check_cli.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir empty

# ---- --flag=VALUE is --flag VALUE ------------------------------------------------
# The value reaches the command: a wrong one is quoted back, a right one used.
check train-equals 2 "^cdrl train: --seed -1: expects an integer >= 0$" -- train --agent=pg --env=cartpole --seed=-1
check eval-equals 2 "^cdrl eval: --episodes 0: expects an integer in \[1, 1000000\]$" -- eval empty --episodes=0
check viz-equals 2 "^cdrl viz: --size takes WxH .*got '12'$" -- viz empty --size=12
check sweep-equals 2 "^cdrl sweep: --jobs 0: expects an integer in \[1, 4096\]$" -- sweep --config=x.cfg --jobs=0
check regress-equals 2 "^cdrl regress: --hidden '0': expected an integer in \[1, 4096\]$" -- regress --hidden=0
check bench-equals 2 "^cdrl bench env: --threads '0' is invalid" -- bench env --threads=0
check top-equals 2 "^cdrl: --version takes no value; try 'cdrl --help'$" -- --version=1

same_output() { # same_output NAME -- ARGS_SPACED -- ARGS_EQUALS
  local name=$1; shift 2
  local spaced=() equals=()
  while [ "$1" != -- ]; do spaced+=("$1"); shift; done; shift
  equals=("$@")
  local a b
  a=$("$cdrl" "${spaced[@]}" 2>&1); b=$("$cdrl" "${equals[@]}" 2>&1)
  if [ -n "$a" ] && [ "$a" = "$b" ]; then echo "ok $name"; else echo "FAIL $name: '$a' vs '$b'"; fail=1; fi
}
same_output train-dry-run -- train --agent pg --env cartpole --seed 7 --steps 1234 --dropout fixed:0.2 \
  --set agent.lr=0.002 --dry-run -- train --agent=pg --env=cartpole --seed=7 --steps=1234 --dropout=fixed:0.2 \
  --set=agent.lr=0.002 --dry-run
same_output regress-tiny -- regress --hidden 8 --n 10 --epochs 2 --min-steps 0 --test 20 --mc 2 --seed 3 \
  -- regress --hidden=8 --n=10 --epochs=2 --min-steps=0 --test=20 --mc=2 --seed=3
out=$("$cdrl" train --agent=pg --env=cartpole --seed=7 --steps=1234 --dropout=fixed:0.2 --set=agent.lr=0.002 --dry-run)
for want in 'seed = 7;' 'steps = 1234;' 'dropout = "fixed:0.2";' 'lr = 0.002;'; do
  grep -qF "$want" <<<"$out" || { echo "FAIL train --flag=VALUE: dry run lacks '$want'"; fail=1; }
done

# ---- Unknown options and missing values, every command ------------------------
for cmd in train eval viz sweep regress "bench env"; do
  name=${cmd// /-}
  # shellcheck disable=SC2086
  check "$name-unknown" 2 "^cdrl $cmd: unknown option '--frob'; try 'cdrl $cmd --help'$" -- $cmd --frob
  # shellcheck disable=SC2086
  check "$name-unknown-equals" 2 "^cdrl $cmd: unknown option '--frob=1'; try 'cdrl $cmd --help'$" -- $cmd --frob=1
done
check top-unknown 2 "^cdrl: unknown option '--frob'; try 'cdrl --help'$" -- --frob
check bench-unknown-option 2 "^cdrl bench: unknown option '--frob'; try 'cdrl bench --help'$" -- bench --frob
missing() { # missing COMMAND FLAG [ARGS...]
  local cmd=$1 flag=$2; shift 2
  # shellcheck disable=SC2086
  check "${cmd// /-}-missing-$flag" 2 "^cdrl $cmd: $flag needs a value; see '$flag' in 'cdrl $cmd --help'$" -- $cmd "$@" "$flag"
}
missing train --out --agent pg
missing eval --mc-samples empty
missing viz --seed empty
missing sweep --out --config x.cfg
missing regress --lr
missing "bench env" --batch
check viz-missing-phrase 2 "^cdrl viz: --png needs a file name; see '--png' in 'cdrl viz --help'$" -- viz empty --png
check viz-steps-alone 2 "^cdrl viz: --steps goes with --bench-live" -- viz --steps 2000
check viz-bench-live-steps 2 "^cdrl viz: --steps takes a whole number in 1000..1000000000, got '5'$" -- viz --bench-live --steps=5
check switch-with-value 2 "^cdrl train: --dry-run takes no value; try 'cdrl train --help'$" -- train --dry-run=yes
check sweep-switch-with-value 2 "^cdrl sweep: --retry-failed takes no value" -- sweep --retry-failed=1

# ---- --help comes from the table ----------------------------------------------
help_lists() { # help_lists COMMAND -- FLAGS...
  local cmd=$1; shift 2
  local text
  # shellcheck disable=SC2086
  text=$("$cdrl" $cmd --help) || { echo "FAIL $cmd --help: exit $?"; fail=1; return; }
  local f missing_flags=""
  for f in "$@" "-h, --help"; do
    grep -qE "^  $f( |$)" <<<"$text" || missing_flags="$missing_flags $f"
  done
  [ -z "$missing_flags" ] && echo "ok $cmd --help lists its options" ||
    { echo "FAIL $cmd --help lacks:$missing_flags"; fail=1; }
}
help_lists train -- --agent --env --config --set --seed --steps --dropout --out --dry-run --resume --viz
help_lists eval -- --episodes --mc-samples --seed
help_lists viz -- --compare --png --frames --episodes --seed --no-replay --state --env --push --size --solved \
  --mean --bench-live --steps
help_lists sweep -- --config --jobs --out --agent --set --retry-failed --dry-run --summarize
help_lists regress -- --n --epochs --hidden --seed --min-steps --reps --batch --lr --length-scale --mc --test
help_lists "bench env" -- --env --integrator --batch --seconds --steps --threads --seed
help_lists "" -- --version
# The sweep's internal --run-point is accepted but not advertised.
"$cdrl" sweep --help | grep -q -- --run-point && { echo "FAIL sweep --help shows --run-point"; fail=1; } ||
  echo "ok sweep --help hides --run-point"
# -h is --help, wherever it comes.
[ "$("$cdrl" eval -h)" = "$("$cdrl" eval --help)" ] && echo "ok -h" || { echo "FAIL eval -h"; fail=1; }

# ---- cdrl sweep --set -----------------------------------------------------------
cat > tiny.cfg <<'EOF'
sweep: {
  env = "cartpole";
  agents = ["pg"];
  dropout = ["none", "concrete"];
  seeds = [0];
  out = "S";
  set = ["run.steps=4000", "run.log_every=1"];
};
pg: { set = ["agent.envs=4", "agent.min_steps=32"]; };
EOF
check sweep-set-unknown-key 2 "^cdrl sweep: --set agent.lrr=0.1: unknown key 'agent.lrr' \(did you mean 'agent.lr'\?\) \(agent pg\)$" \
  -- sweep --config tiny.cfg --set agent.lrr=0.1
check sweep-set-bad-value 2 "^cdrl sweep: --set run.steps=-5: out of range, accepted >= 1 \(agent pg\)$" \
  -- sweep --config tiny.cfg --set run.steps=-5
check sweep-set-no-equals 2 "^cdrl sweep: --set run.steps: expected key=value" -- sweep --config tiny.cfg --set run.steps
check sweep-set-varied-seed 2 "^cdrl sweep: --set run.seed=3: run.seed is what the sweep varies for agent pg; change it in tiny.cfg$" \
  -- sweep --config tiny.cfg --set run.seed=3
check sweep-set-varied-dropout 2 "^cdrl sweep: --set agent.policy.dropout=none: agent.policy.dropout is what the sweep varies" \
  -- sweep --config tiny.cfg --set agent.policy.dropout=none
check sweep-set-summarize 2 "^cdrl sweep: --summarize DIR reads the runs as they are; it takes no --set$" \
  -- sweep --summarize S --set run.steps=10
if [ -e S ]; then echo "FAIL sweep --set mistakes: the sweep directory was created"; fail=1; fi

# A valid --set reaches every point's config, after the file's own sets.
"$cdrl" sweep --config tiny.cfg --jobs 2 --set run.steps=2000 --set=agent.lr=0.002 > S.out 2> S.err
status=$?
if [ "$status" != 0 ]; then echo "FAIL sweep --set: exit $status ($(cat S.err))"; fail=1; fi
for p in pg_none_seed0 pg_concrete_seed0; do
  cfg=S/runs/$p/config.cfg
  if grep -q '^  steps = 2000;' "$cfg" && grep -q '^  lr = 0.002;' "$cfg" && grep -q '^  envs = 4;' "$cfg"; then
    echo "ok sweep --set reaches $p"
  else
    echo "FAIL sweep --set: $cfg lacks steps = 2000, lr = 0.002 or envs = 4"; fail=1
  fi
  steps=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "env_steps") c = i; next } { v = $c } END { print v }' \
          "S/runs/$p/metrics.csv")
  [ "$steps" -le 2000 ] 2>/dev/null && echo "ok $p stopped at its --set budget ($steps env steps)" ||
    { echo "FAIL $p ran $steps env steps, budget 2000"; fail=1; }
done
# The same sweep without the --set is another config: refused, not mixed.
check sweep-set-then-without 2 'holds a run of another config' -- sweep --config tiny.cfg
exit $fail
