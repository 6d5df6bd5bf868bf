#!/usr/bin/env bash
# `cdrl --version` and `cdrl completion bash`: the script is sourced into bash
# and asked to complete, as bash would, and every flag `cdrl CMD --help` shows
# must be completed for CMD (both come from the same flag table).
#   tests/cli_completion.sh CDRL_BIN SOURCE_DIR
set -euo pipefail
cdrl=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

version=$("$cdrl" --version)
[[ $(echo "$version" | head -1) =~ ^cdrl\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version line 1: $version"
echo "$version" | grep "^libcdrl [0-9.]*: .*SIMD target" > /dev/null || fail "--version names no library build: $version"
echo "$version" | grep -E "^SIMD: vector math (scalar|sse|avx2|avx512) " > /dev/null || fail "--version names no SIMD level: $version"
echo "$version" | grep "^MPI sweep: " > /dev/null || fail "--version does not say whether MPI is built: $version"

script=$("$cdrl" completion bash) || fail "cdrl completion bash"
if "$cdrl" completion zsh 2> err.txt; then fail "completion zsh accepted"; fi
grep "only 'cdrl completion bash'" err.txt > /dev/null || fail "completion zsh: $(cat err.txt)"
rm -f err.txt

# complete WORDS...: what the script offers for the last word.
complete_words() {
  bash -c "$script"'
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cdrl; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
[ "$(complete_words cdrl tr)" = train ] || fail "cdrl tr -> $(complete_words cdrl tr)"
[ "$(complete_words cdrl --ver)" = --version ] || fail "cdrl --ver"
[ "$(complete_words cdrl train --ag)" = --agent ] || fail "cdrl train --ag"
complete_words cdrl train --agent "" | grep -x pg > /dev/null || fail "no agents after --agent"
[ "$(complete_words cdrl train --env mountainc | tr '\n' ' ')" = "mountaincar mountaincar-continuous " ] ||
  fail "--env mountainc -> $(complete_words cdrl train --env mountainc)"
[ "$(complete_words cdrl bench e)" = env ] || fail "cdrl bench e"
complete_words cdrl bench env --thr | grep -x -- --threads > /dev/null || fail "cdrl bench env --thr"

# Every command of `cdrl --help` and `cdrl bench --help` is completed (a new
# command must join cli/completion.c's list)...
commands=$("$cdrl" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
benches=$("$cdrl" bench --help | awk '/^benchmarks:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ -n "$commands" ] && [ -n "$benches" ] || fail "no commands in cdrl --help or cdrl bench --help"
for c in $commands; do
  complete_words cdrl "" | grep -x "$c" > /dev/null || fail "command $c is not completed"
done
for b in $benches; do
  complete_words cdrl bench "" | grep -x "$b" > /dev/null || fail "benchmark $b is not completed"
done
# ... and every flag of every command's --help is completed for that command.
for cmd in train eval regress viz sweep $(for b in $benches; do echo "bench_$b"; done); do
  cmd=${cmd/_/ }
  # shellcheck disable=SC2086
  flags=$("$cdrl" $cmd --help | { grep -o -- '^  --[a-z][a-z-]*' || true; } | tr -d ' ' | sort -u)
  case $cmd in train | eval | viz | sweep) [ -n "$flags" ] || fail "cdrl $cmd --help lists no flags" ;; esac
  # shellcheck disable=SC2086
  offered=$(complete_words cdrl $cmd -- | sort -u)
  for f in $flags; do
    echo "$offered" | grep -x -- "$f" > /dev/null || fail "cdrl $cmd: --help shows $f but completion does not offer it"
  done
done
echo "completion: --version and bash completion pass"
