#!/usr/bin/env bash
# cdrl sweep over a list of envs (sweep.envs): each (agent, env) pair starts
# from configs/<agent>_<env>.cfg when there is one (else the agent's own
# defaults), then the sweep's sets, the agent's, and the `<agent>_<env>`
# group's; the env is in each point's name, the summary has a table per
# agent and env, the plots are per env; --env chooses among the file's envs;
# mistakes in the env list are one line. Tiny budgets: a few seconds.
set -u
cdrl=$1
src=$2
fail=0
. "$src/tests/check_cli.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > envs.cfg <<'EOF'
sweep: {
  envs = ["pendulum", "cartpole-swingup", "acrobot"];
  agents = ["mb", "pg"];
  dropout = ["none", "concrete"];
  seeds = [0];
  out = "E";
  set = ["run.stop_when_solved=false", "run.log_every=1"];
};
mb: { solve_in = "episodes"; set = ["agent.max_episodes=2", "agent.model.fit_steps=50"]; };
mb_pendulum: { set = ["agent.max_episodes=3", "agent.random_episodes=3"]; };
mb_acrobot: { set = ["run.steps=400"]; };
pg: { set = ["agent.envs=2", "agent.min_steps=32"]; };
pg_acrobot: { set = ["run.steps=1000"]; };
EOF

# pg has no continuous actions on this build: its pendulum and swing-up
# points are left out with --agent and --env; the rest run.
"$cdrl" sweep --config envs.cfg --agent mb --dry-run > dry.out 2>&1
if grep -q "mb on pendulum starts from .*configs/mb_pendulum.cfg" dry.out &&
   grep -q "mb on acrobot starts from .*configs/mb_acrobot.cfg" dry.out &&
   grep -q "^  mb_cartpole-swingup_concrete_seed0 " dry.out && [ "$(grep -c '^  mb_' dry.out)" = 6 ]; then
  echo "ok --dry-run names each pair's base config and the env in every point"
else
  echo "FAIL --dry-run: $(cat dry.out)"; fail=1
fi
"$cdrl" sweep --config envs.cfg --agent mb --jobs 2 > mb.out 2> mb.err
status=$?
"$cdrl" sweep --config envs.cfg --agent pg --env acrobot --jobs 2 > pg.out 2> pg.err
status=$((status + $?))
[ "$status" = 0 ] && echo "ok the env sweep runs" || { echo "FAIL env sweep: $(cat mb.err pg.err)"; fail=1; }
for p in mb_pendulum_none_seed0 mb_pendulum_concrete_seed0 mb_cartpole-swingup_none_seed0 \
         mb_cartpole-swingup_concrete_seed0 mb_acrobot_none_seed0 mb_acrobot_concrete_seed0 \
         pg_acrobot_none_seed0 pg_acrobot_concrete_seed0; do
  [ -s "E/runs/$p/metrics.csv" ] && grep -q '^status = "done"' "E/runs/$p/result.cfg" ||
    { echo "FAIL point $p did not run"; fail=1; }
done
# Each pair's config: its env, its default file's own values, its group's sets.
ok=1
grep -q 'name = "pendulum"' E/runs/mb_pendulum_none_seed0/config.cfg || { echo "FAIL pendulum point's env"; ok=0; }
grep -q 'name = "acrobot"' E/runs/pg_acrobot_none_seed0/config.cfg || { echo "FAIL acrobot point's env"; ok=0; }
want=$(sed -n 's/^ *angles = \("[^"]*"\);.*/\1/p' "$src/configs/mb_pendulum.cfg")
grep -q "angles = $want;" E/runs/mb_pendulum_none_seed0/config.cfg || { echo "FAIL pendulum point not from mb_pendulum.cfg (angles $want)"; ok=0; }
[ "$(grep -c '^episode\|^[0-9]' E/runs/mb_pendulum_none_seed0/episodes.csv)" = 4 ] || { echo "FAIL mb_pendulum set: not 3 episodes"; ok=0; }
[ "$(grep -c '^[0-9]' E/runs/mb_cartpole-swingup_none_seed0/episodes.csv)" = 2 ] || { echo "FAIL mb set: not 2 episodes on swing-up"; ok=0; }
grep -q 'steps = 1000L\?;' E/runs/pg_acrobot_none_seed0/config.cfg || { echo "FAIL pg_acrobot set: run.steps"; ok=0; }
[ $ok = 1 ] && echo "ok each (agent, env) from its own config and sets" || fail=1
# The summary (of the whole file: pg's continuous points are not run): a
# table per agent and env, rows with their env, plots per env.
"$cdrl" sweep --summarize E > /dev/null 2>&1 || { echo "FAIL --summarize E"; fail=1; }
for t in "## mb on pendulum" "## mb on cartpole-swingup" "## mb on acrobot" "## pg on acrobot"; do
  grep -q "^$t\$" E/summary.md || { echo "FAIL summary.md lacks '$t'"; fail=1; }
done
rows=$(awk -F, 'NR > 1 { print $1 "/" $2 "/" $4 }' E/summary.csv | sort | tr '\n' ' ')
want="mb/acrobot/concrete mb/acrobot/none mb/cartpole-swingup/concrete mb/cartpole-swingup/none mb/pendulum/concrete mb/pendulum/none pg/acrobot/concrete pg/acrobot/none pg/cartpole-swingup/concrete pg/cartpole-swingup/none pg/pendulum/concrete pg/pendulum/none "
[ "$rows" = "$want" ] && echo "ok summary.csv: a row per agent, env and setting" || { echo "FAIL summary.csv rows: $rows"; fail=1; }
for f in mb_pendulum_returns mb_cartpole-swingup_returns mb_acrobot_returns pg_acrobot_returns mb_pendulum_p; do
  [ -s "E/plots/$f.png" ] || { echo "FAIL plot $f.png missing"; fail=1; }
done
got=$(awk -F, '$1 == "mb" && $2 == "pendulum" && $4 == "none" { print $6 }' E/summary.csv)
[ "$got" = 1 ] || { echo "FAIL summary: mb pendulum none done = '$got'"; fail=1; }
# --summarize recomputes it; a re-run skips every finished point.
cp E/summary.csv before.csv
"$cdrl" sweep --summarize E > /dev/null 2>&1 && cmp -s before.csv E/summary.csv &&
  echo "ok --summarize recomputes the env tables" || { echo "FAIL --summarize: $(diff before.csv E/summary.csv | head -3)"; fail=1; }
"$cdrl" sweep --config envs.cfg --agent mb --env pendulum,acrobot > again.out 2>&1
grep -q '4 points (4 done, 0 failed, 0 to run)' again.out && echo "ok --env A,B: the finished points of those envs" ||
  { echo "FAIL --env pendulum,acrobot re-run: $(head -1 again.out)"; fail=1; }

# ---- The suite file (configs/sweep_dropout_suite.cfg) -----------------------------
# It loads and every point validates (300: pg on three envs, mb on two); a
# 1-seed smoke with tiny budgets runs mb's points and pg's Acrobot points
# (pg has no continuous actions on this build).
"$cdrl" sweep --config "$src/configs/sweep_dropout_suite.cfg" --dry-run > suite.out 2>&1
if [ $? = 0 ] && grep -q "^cdrl sweep --dry-run: 300 points" suite.out && ! grep -q "mb_acrobot" suite.out &&
   [ "$(grep -c '^  pg_acrobot_' suite.out)" = 60 ] && [ "$(grep -c '^  mb_cartpole-swingup_' suite.out)" = 60 ]; then
  echo "ok the suite file validates: 300 points, mb not on acrobot"
else
  echo "FAIL suite --dry-run: $(head -3 suite.out)"; fail=1
fi
sed 's/n_seeds = 10;/n_seeds = 1;/; s|out = "sweeps/dropout_suite";|out = "S";|' "$src/configs/sweep_dropout_suite.cfg" > suite1.cfg
"$cdrl" sweep --config suite1.cfg --agent mb --set agent.max_episodes=1 --set agent.model.fit_steps=20 --set run.stop_when_solved=false --jobs 2 > s1.out 2>&1 &&
  "$cdrl" sweep --config suite1.cfg --agent pg --env acrobot --set run.steps=600 --jobs 2 > s2.out 2>&1
status=$?
done_points=$(grep -l '^status = "done"' S/runs/*/result.cfg 2>/dev/null | wc -l)
[ "$status" = 0 ] && [ "$done_points" = 18 ] && echo "ok a 1-seed smoke of the suite: 18 points done" ||
  { echo "FAIL suite smoke: exit $status, $done_points done: $(tail -2 s1.out s2.out)"; fail=1; }
grep -q 'steps = 600L\?;' S/runs/pg_acrobot_concrete_seed0/config.cfg && grep -q 'max_episodes = 1L\?;' S/runs/mb_pendulum_none_seed0/config.cfg &&
  echo "ok --set comes after the pair's sets" || { echo "FAIL --set order"; fail=1; }

# An agent on some of the sweep's envs: its group's envs.
mk2() { printf 'sweep: {\n  envs = ["pendulum", "acrobot"];\n  agents = ["mb", "pg"];\n  dropout = ["none"];\n  seeds = [0];\n  out = "bad-out";\n};\n%s\n' "$1" > sub.cfg; }
mk2 'pg: { envs = ["acrobot"]; };'
"$cdrl" sweep --config sub.cfg --dry-run > sub.out 2>&1
[ "$(grep -c '^  [a-z]*_[a-z-]*_none_seed0 ' sub.out)" = 3 ] && ! grep -q pg_pendulum sub.out &&
  echo "ok an agent's envs" || { echo "FAIL an agent's envs: $(cat sub.out)"; fail=1; }
mk2 'pg: { envs = ["cartpole"]; };'
check "an agent's env not in the sweep" 2 "^cdrl sweep: sub.cfg:8: pg.envs: 'cartpole' is not one of the sweep's envs" -- sweep --config sub.cfg
mk2 'pg: { envs = ["acrobot", "acrobot"]; };'
check "an agent's env twice" 2 '^cdrl sweep: sub.cfg:8: pg.envs: "acrobot" is listed twice' -- sweep --config sub.cfg

# ---- Mistakes --------------------------------------------------------------------
mk() { printf 'sweep: {\n%s\n  agents = ["mb"];\n  dropout = ["none"];\n  seeds = [0];\n  out = "bad-out";\n};\n%s\n' "$1" "${2:-}" > bad.cfg; }
mk '  env = "pendulum";
  envs = ["pendulum"];'
check "env and envs" 2 '^cdrl sweep: bad.cfg:3: sweep.envs: give either sweep.env or sweep.envs, not both' -- sweep --config bad.cfg
mk '  envs = ["pendulum", "pendulum"];'
check "an env listed twice" 2 '^cdrl sweep: bad.cfg:2: sweep.envs: "pendulum" is listed twice' -- sweep --config bad.cfg
mk '  envs = ["pendulum", "pendulm"];'
check "an unknown env" 2 "^cdrl sweep: bad.cfg:2: sweep.envs: unknown env 'pendulm'" -- sweep --config bad.cfg
mk '  envs = [];'
check "no envs" 2 '^cdrl sweep: bad.cfg:2: sweep.envs: expects 1 to 16 strings, has 0' -- sweep --config bad.cfg
mk '  envs = "pendulum";'
check "envs not a list" 2 '^cdrl sweep: bad.cfg:2: sweep.envs: expects a list of strings' -- sweep --config bad.cfg
mk '  envs = ["pendulum"];' 'mb_acrobot: { set = ["run.steps=10"]; };'
check "a pair group of an env not swept" 2 "^cdrl sweep: bad.cfg:8: mb_acrobot: the sweep has no env 'acrobot'" -- sweep --config bad.cfg
mk '  envs = ["pendulum"];' 'mb_pendulum: { sets = ["run.steps=10"]; };'
check "an unknown key in a pair group" 2 "^cdrl sweep: bad.cfg:8: unknown key 'mb_pendulum.sets' \(did you mean 'set'\?\)" -- sweep --config bad.cfg
mk '  envs = ["pendulum"];' 'mb_pendulum: { set = ["env.name=acrobot"]; };'
check "a pair group may not set the env" 2 "^cdrl sweep: bad.cfg:8: mb_pendulum.set\[0\] = \"env.name=acrobot\": env.name is set by the sweep" -- sweep --config bad.cfg
mk '  envs = ["pendulum"];' 'mb_pendulum: { set = ["agent.planner.horizon=0"]; };'
check "a bad value in a pair group" 2 "^cdrl sweep: bad.cfg:8: agent.planner.horizon=0: " -- sweep --config bad.cfg
mk '  envs = ["pendulum"];' 'mb_pendulum: { config = "nowhere.cfg"; };'
check "a pair group's missing config" 2 "^cdrl sweep: bad.cfg:8: mb_pendulum.config: cannot read nowhere.cfg" -- sweep --config bad.cfg
mk '  envs = ["pendulum", "acrobot"];'
check "--env not in the file" 2 "^cdrl sweep: --env cartpole: bad.cfg sweeps no env cartpole" -- sweep --config bad.cfg --env cartpole
check "--env empty" 2 "^cdrl sweep: --env '': expects" -- sweep --config bad.cfg --env ''
check "--env two commas" 2 "^cdrl sweep: --env pendulum,,acrobot: expects env names separated by commas" -- sweep --config bad.cfg --env pendulum,,acrobot
check "--env trailing comma" 2 "^cdrl sweep: --env acrobot,: expects env names" -- sweep --config bad.cfg --env acrobot,
check "--set env.name" 2 "^cdrl sweep: --set env.name=acrobot: the envs of a sweep are its file's" -- sweep --config bad.cfg --set env.name=acrobot
# D8 holds with envs: equal grid values are refused, points stay distinct.
mk '  envs = ["pendulum", "acrobot"];
  grid = ( { key = "agent.model.lr"; values = [0.001, 0.0010]; } );'
check "equal grid values with envs" 2 "are the same value" -- sweep --config bad.cfg
[ -e bad-out ] && { echo "FAIL mistakes: a sweep directory was created"; fail=1; }

exit $fail
