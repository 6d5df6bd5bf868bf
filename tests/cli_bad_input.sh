#!/usr/bin/env bash
# The bad-input table: tests/bad_input.tsv, one case per row,
#   name <TAB> exit status <TAB> message fragment <TAB> environment <TAB> arguments
# The arguments are shell words (quoted as in a shell); the environment is
# "-" or VAR=VALUE words. Each case must exit with the status, print the
# fragment (a fixed string, "-" for none) on stderr, and, for status 2, print
# exactly one line and leave no run directory behind (cdrl train --out
# bad-out is the only --out the table uses).
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
src=$2
table=$src/tests/bad_input.tsv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# The odd files the table names.
: > empty.cfg
printf '\0\0\0\0' > zeros.cfg
head -c 100000 /dev/zero > zeros100k.cfg
printf '\0run: { seed = "x"; };\n' > nul-first.cfg
printf 'run: { seed = 1; };\n\0run: { seed = "x"; };\n' > nul-line2.cfg
head -c 3000 /dev/urandom | tr -d '\n' > binary.cfg 2>/dev/null || true
printf '\x89PNG\r\n\x1a\n' >> binary.cfg
mkdir -p a-directory.cfg
head -c 20000000 /dev/zero | tr '\0' '#' > huge.cfg
ln -sf loop-b.cfg loop-a.cfg && ln -sf loop-a.cfg loop-b.cfg
ln -sf nowhere.cfg dangling.cfg
printf 'run: { seed = 1; seed = 2; };\n' > duplicate.cfg
printf 'run: { seed = 1; };\nrun: { steps = 5; };\n' > duplicate-group.cfg
printf 'run: { agent = "pg"; };\nenv: { name = "cartpole"; };\n@include "/etc/passwd"\n' > include.cfg
printf 'run: { seed = 1;\n' > unterminated.cfg
printf 'run: { seed = 1e400; };\n' > float-overflow.cfg
printf 'agent: { lr = 1e-50; };\n' > lr-underflow.cfg
printf 'run: { seed = 99999999999999999999; };\n' > int-overflow.cfg
printf 'run: { seed = "3"; };\n' > string-seed.cfg
printf 'agent: { gamma = nan; };\n' > nan.cfg
printf 'agent: { lr = [1, 2]; };\n' > list.cfg
printf 'agent: { policy = 3; };\n' > group-as-value.cfg
printf 'run = 3;\n' > top-value.cfg
printf '\xef\xbb\xbfrun: { seed = 1; };\n' > bom.cfg
mkdir -p 'dir with spaces' 'ünïcødé' && cp empty.cfg 'dir with spaces/a b.cfg'
printf 'run: { sed = 1; };\n' > 'ünïcødé/ç.cfg'
long=$(printf 'd%.0s' $(seq 300))
mkfifo fifo.cfg
mkdir -p run-no-config
mkdir -p unreadable && cp empty.cfg unreadable/config.cfg && chmod 000 unreadable/config.cfg
mkdir -p bad-ckpt && "$cdrl" train --agent pg --env cartpole --steps 100 --dry-run > bad-ckpt/config.cfg && printf 'garbage' > bad-ckpt/checkpoint.bin
mkdir -p mb-run && "$cdrl" train --agent mb --env cartpole --steps 100 --dry-run > mb-run/config.cfg && printf 'garbage' > mb-run/checkpoint.bin
mkdir -p metrics-dir && "$cdrl" train --agent pg --env cartpole --steps 100 --dry-run > metrics-dir/config.cfg && mkdir metrics-dir/metrics.csv
printf 'not a sweep\n' > bad.sweep
: > empty.sweep
export LONG_PATH="/tmp/$long/$long/$long/$long/$long/$long/x"

rows=0
while IFS=$'\t' read -r name want fragment envs args; do
  case "$name" in ''|'#'*) continue ;; esac
  rows=$((rows + 1))
  eval "set -- $args"
  if [ "$envs" = - ]; then run_cdrl() { "$cdrl" "$@"; }; else eval "run_cdrl() { $envs \"\$cdrl\" \"\$@\"; }"; fi
  [ "$fragment" = - ] && fragment=
  out=$(run_cdrl "$@" 2>&1 >/dev/null < /dev/null); got=$?
  if [ "$got" != "$want" ]; then echo "FAIL $name: exit $got, wanted $want ($out)"; fail=1; continue; fi
  if [ -n "$fragment" ] && ! grep -qF -- "$fragment" <<<"$out"; then echo "FAIL $name: stderr '$out' lacks '$fragment'"; fail=1; continue; fi
  if [ "$want" = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" != 1 ]; then echo "FAIL $name: not one line: '$out'"; fail=1; continue; fi
  if [ -e bad-out ] || [ -e runs ]; then echo "FAIL $name: left a run directory"; rm -rf bad-out runs; fail=1; continue; fi
  echo "ok $name"
done < "$table"
echo "$rows cases"
[ "$rows" -ge 200 ] || { echo "FAIL the table has $rows cases, fewer than 200"; fail=1; }
exit $fail
