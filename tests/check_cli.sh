# Sourced by the tests/cli_*.sh scripts: one way to check what the cdrl
# program says and returns, as a user meets it.
#
#   check NAME STATUS PATTERN -- ARGS...
# runs `run_cdrl ARGS...` (by default "$cdrl" ARGS...; a script may redefine
# run_cdrl, e.g. to set environment variables first), and checks its exit
# status, that stderr matches the extended regex PATTERN (unless empty), and
# that an error (status 2) is exactly one line. Failures set fail=1.
fail=${fail:-0}
run_cdrl() { "$cdrl" "$@"; }
check() {
  local name=$1 want=$2 pattern=$3; shift 4
  local out; out=$(run_cdrl "$@" 2>&1 >/dev/null); local got=$?
  if [ "$got" != "$want" ]; then echo "FAIL $name: exit $got, wanted $want ($out)"; fail=1; return; fi
  if [ -n "$pattern" ] && ! grep -Eq "$pattern" <<<"$out"; then echo "FAIL $name: stderr '$out' lacks /$pattern/"; fail=1; return; fi
  if [ "$want" = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" != 1 ]; then echo "FAIL $name: not one line: '$out'"; fail=1; return; fi
  echo "ok $name"
}

# strip_time CSV: the file without its wall-time columns (names with time,
# sec, sps or per_s), the only ones in which two runs of the same seed and
# config may differ.
strip_time() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) keep[i] = ($i !~ /time|sec|sps|per_s/) }
           { out = ""; for (i = 1; i <= NF; i++) if (keep[i]) out = out (out == "" ? "" : ",") $i; print out }' "$1"
}

# same_run NAME DIR_A DIR_B: the metrics.csv and episodes.csv of two run
# directories agree but for wall time; says ok or FAIL (and sets fail=1).
same_run() {
  local f
  for f in metrics.csv episodes.csv; do
    if ! cmp -s <(strip_time "$2/$f") <(strip_time "$3/$f"); then
      echo "FAIL $1: $3/$f differs from $2/$f"
      diff <(strip_time "$2/$f") <(strip_time "$3/$f") | head -5
      fail=1; return
    fi
  done
  echo "ok $1"
}

# stop_resume_matches WHOLE ARGS...: for SIGINT and SIGKILL, `cdrl train
# ARGS... --out SIG` stopped at its 3rd progress line (CDRL_TEST_RAISE) and
# then resumed ends with WHOLE's metrics.csv and episodes.csv (but for wall
# time) and with its checkpoint.bin byte for byte. Run in the work directory;
# says ok or FAIL per check (and sets fail=1).
stop_resume_matches() {
  local whole=$1 sig status; shift
  for sig in INT KILL; do
    CDRL_TEST_RAISE="$sig@3" "$cdrl" train "$@" --out "$sig" >/dev/null 2>&1
    status=$?
    if [ "$status" = 0 ]; then echo "FAIL $sig: the run ended before its 3rd progress line"; fail=1; continue; fi
    "$cdrl" train --resume "$sig" >/dev/null 2>"$sig.err" || { echo "FAIL $sig: resume: $(cat "$sig.err")"; fail=1; continue; }
    same_run "resume-after-$sig" "$whole" "$sig"
    if cmp -s "$whole/checkpoint.bin" "$sig/checkpoint.bin"; then echo "ok checkpoint-after-$sig"
    else echo "FAIL checkpoint-after-$sig: checkpoint.bin differs"; fail=1; fi
  done
}
