#!/usr/bin/env bash
# cdrl viz as a user meets it: pictures from a run directory without any
# display, and one clear line (exit 2) when a window is asked for and there
# is no display to put it on.
set -u
. "$(dirname "$0")/check_cli.sh"
cdrl=$1
src=${2:-.}
# In the sanitizer build: leaks inside system libraries are not ours.
export LSAN_OPTIONS="suppressions=$src/tests/lsan_system.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
tmp=$(mktemp -d /tmp/cdrl_cli_viz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

run_cdrl() { env "$@"; }

# A fabricated run: the columns the agents write, in an order of our own.
run=$tmp/pg-cartpole-0
mkdir -p "$run"
{
  echo "iteration,env_steps,episodes,return_mean,return_min,return_max,policy_loss,value_loss,entropy,p_0,p_1,mc_spread"
  for i in $(seq 1 40); do
    echo "$i,$((i * 2000)),$((i * 20)),$((20 + i * 10)),10,$((40 + i * 11)),0.1,1.5,0.6,0.$((100 - i)),0.0$((90 - i)),0.$((50 - i))"
  done
} >"$run/metrics.csv"
{
  echo "episode,return,length"
  for i in $(seq 1 800); do echo "$i,$((10 + i / 2 + (i * 37) % 50)),$((10 + i / 2))"; done
} >"$run/episodes.csv"
other=$tmp/pg-cartpole-fixed
mkdir -p "$other"
printf 'env_steps,p_0,p_1,mc_spread\n1000,0.1,0.1,0.3\n2000,0.1,0.1,0.2\n' >"$other/metrics.csv"

# No display: a window cannot open, whatever SDL would fall back to.
check no-display-unset 2 "^cdrl viz: no display \(.*\); use --png FILE$" -- -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$cdrl" viz "$run"
check no-display-dummy 2 "^cdrl viz: no display \(.*dummy.*\); use --png FILE$" -- SDL_VIDEODRIVER=dummy "$cdrl" viz "$run"
check no-display-offscreen 2 "^cdrl viz: no display \(.*offscreen.*\); use --png FILE$" -- SDL_VIDEODRIVER=offscreen "$cdrl" viz "$run"
check no-display-bad-driver 2 "^cdrl viz: no display \(.*nosuchdriver.*\); use --png FILE$" -- SDL_VIDEODRIVER=nosuchdriver "$cdrl" viz "$run"
check no-display-bad-x11 2 "^cdrl viz: no display \(.*DISPLAY=:97.*\); use --png FILE$" -- -u SDL_VIDEODRIVER -u WAYLAND_DISPLAY DISPLAY=:97 "$cdrl" viz "$run"

# Bad input: one line, exit 2.
check no-run-dir 2 "^cdrl viz: no RUN_DIR" -- "$cdrl" viz
check missing-run-dir 2 "^cdrl viz: $tmp/nope: not a run directory" -- "$cdrl" viz "$tmp/nope" --png "$tmp/x.png"
check empty-run-dir 2 "no metrics.csv or episodes.csv" -- "$cdrl" viz "$tmp" --png "$tmp/x.png"
check unknown-option 2 "^cdrl viz: unknown option '--frob'" -- "$cdrl" viz "$run" --frob
check bad-size 2 "^cdrl viz: --size" -- "$cdrl" viz "$run" --png "$tmp/x.png" --size 12
check png-without-file 2 "^cdrl viz: --png needs a file name" -- "$cdrl" viz "$run" --png
check png-in-missing-dir 2 "^cdrl viz: $tmp/no/dir/x.png: cannot create" -- "$cdrl" viz "$run" --png "$tmp/no/dir/x.png"
check missing-compare-dir 2 "^cdrl viz: $tmp/gone: not a run directory" -- "$cdrl" viz "$run" --compare "$tmp/gone" --png "$tmp/x.png"
check compare-without-dir 2 "^cdrl viz: --compare needs at least one run directory" -- "$cdrl" viz "$run" --compare --png "$tmp/x.png"
check two-run-dirs 2 "^cdrl viz: one RUN_DIR expected" -- "$cdrl" viz "$run" "$other"
check bad-solved 2 "^cdrl viz: --solved takes a number or 'none'" -- "$cdrl" viz "$run" --solved lots
check bad-mean 2 "^cdrl viz: --mean takes a whole number" -- "$cdrl" viz "$run" --mean 0
check frames-without-checkpoint 2 "^cdrl viz: $run: no checkpoint.bin to replay" -- "$cdrl" viz "$run" --frames "$tmp/f"
check frames-with-png 2 "^cdrl viz: --frames replays the run's policy; it does not combine" -- "$cdrl" viz "$run" --frames "$tmp/f" --png "$tmp/x.png"
check gif-without-checkpoint 2 "^cdrl viz: $run: no checkpoint.bin to replay" -- "$cdrl" viz "$run" --gif "$tmp/x.gif"
check gif-with-png 2 "^cdrl viz: --gif replays the run's policy; it does not combine" -- "$cdrl" viz "$run" --gif "$tmp/x.gif" --png "$tmp/x.png"
check gif-without-file 2 "^cdrl viz: --gif needs a file name" -- "$cdrl" viz "$run" --gif
check bad-gif-size 2 "^cdrl viz: --gif-size takes WxH with W and H in 64..4096, got '64x9'" -- "$cdrl" viz "$run" --gif "$tmp/x.gif" --gif-size 64x9
check bad-episodes 2 "^cdrl viz: --episodes takes a whole number in 1..1000" -- "$cdrl" viz "$run" --episodes 0

# Headless pictures: a valid PNG of the stated size, nothing else left behind.
png_ok() { # png_ok FILE WIDTH HEIGHT [pixels: undo the filters too (slow in Python)]
  local f=$1
  [ -s "$f" ] || { echo "FAIL $f missing"; return 1; }
  [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || { echo "FAIL $f: no PNG signature"; return 1; }
  [ "$(tail -c 8 "$f" | head -c 4)" = "IEND" ] || { echo "FAIL $f: does not end with IEND"; return 1; }
  local size; size=$(head -c 24 "$f" | tail -c 8 | od -An -tu1 | awk '{print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8}')
  [ "$size" = "$2x$3" ] || { echo "FAIL $f: size $size, wanted $2x$3"; return 1; }
  # where python3 is around, a decoder of its own (zlib's inflate, the
  # filters undone here) checks the data, every CRC and the pixels
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$f" "$2" "$3" "${4:-}" <<'PY' || { echo "FAIL $f: does not decode"; return 1; }
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read(); i = 8; idat = b''
while i < len(d):
    n, = struct.unpack('>I', d[i:i + 4]); t = d[i + 4:i + 8]; body = d[i + 8:i + 8 + n]
    assert struct.unpack('>I', d[i + 8 + n:i + 12 + n])[0] == zlib.crc32(t + body)
    if t == b'IDAT': idat += body
    i += 12 + n
raw = zlib.decompress(idat)
w, h = int(sys.argv[2]), int(sys.argv[3]); stride = w * 3
assert len(raw) == h * (stride + 1)
if sys.argv[4] != 'pixels': sys.exit(0)
# undo the row filters (PNG spec, section 9) and look at the pixels
prev = bytearray(stride); colours = set()
for y in range(h):
    f = raw[y * (stride + 1)]; row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = row[i - 3] if i >= 3 else 0; b = prev[i]; c = prev[i - 3] if i >= 3 else 0
        if f == 1: row[i] = (row[i] + a) & 255
        elif f == 2: row[i] = (row[i] + b) & 255
        elif f == 3: row[i] = (row[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        else: assert f == 0, 'filter %d' % f
    if y % 7 == 0: colours.update(bytes(row[i:i + 3]) for i in range(0, stride, 3))
    prev = row
assert bytes(prev[-3:]) != b'' and len(colours) > 8, 'a picture of %d colours' % len(colours)
PY
  fi
  return 0
}
if out=$(SDL_VIDEODRIVER=dummy "$cdrl" viz "$run" --png "$tmp/curves.png" 2>&1) && png_ok "$tmp/curves.png" 1280 800; then
  echo "ok png ($out)"
else
  echo "FAIL png: $out"; fail=1
fi
if out=$(env -u DISPLAY "$cdrl" viz "$run" --compare "$other" --png "$tmp/compare.png" --size 900x600 --solved none --mean 20 2>&1) \
   && png_ok "$tmp/compare.png" 900 600; then
  echo "ok png-compare"
else
  echo "FAIL png-compare: $out"; fail=1
fi
# A CartPole frame beside the curves, from the env's own state and limits.
if out=$("$cdrl" viz "$run" --state 0.8,0.1,0.12,0.3 --push right --png "$tmp/frame.png" 2>&1) \
   && png_ok "$tmp/frame.png" 1280 800; then
  echo "ok png-state"
else
  echo "FAIL png-state: $out"; fail=1
fi
if out=$("$cdrl" viz --state -1.5,0,-0.18,0 --push left --size 800x400 --png "$tmp/env.png" 2>&1) \
   && png_ok "$tmp/env.png" 800 400 pixels; then
  echo "ok png-env-alone"
else
  echo "FAIL png-env-alone: $out"; fail=1
fi
# Without the font file the built-in bitmap font draws the labels.
if out=$(CDRL_FONT=/nonexistent/font.ttf "$cdrl" viz --state 0,0,0,0 --size 400x300 --png "$tmp/bitmap.png" 2>&1) \
   && png_ok "$tmp/bitmap.png" 400 300 pixels; then
  echo "ok png-without-font"
else
  echo "FAIL png-without-font: $out"; fail=1
fi
check state-without-png-needs-run 2 "^cdrl viz: no RUN_DIR given" -- "$cdrl" viz --state 0,0,0,0
check state-wrong-length 2 "^cdrl viz: --state: env cartpole has 4 state values, got 2" -- "$cdrl" viz "$run" --state 1,2 --png "$tmp/x.png"
check state-not-numbers 2 "^cdrl viz: --state takes" -- "$cdrl" viz "$run" --state 1,x,3,4 --png "$tmp/x.png"
check state-unknown-env 2 "^cdrl viz: unknown env 'nope'" -- "$cdrl" viz "$run" --state 1,2,3,4 --env nope --png "$tmp/x.png"
check bad-push 2 "^cdrl viz: --push takes left or right" -- "$cdrl" viz "$run" --state 0,0,0,0 --push up
# Replay of a real run's saved policy, headless, for each agent: one frame
# after the reset and one per step, so an episode of return R (CartPole: one
# point a step) gives R + 1 frames, and the replayed return is the one cdrl
# eval measures. The runs are short (mb with a small planner) to stay fast.
replay_check() { # replay_check AGENT TRAIN_OPTIONS...
  local agent=$1; shift
  local real=$tmp/real-$agent frames=$tmp/frames-$agent
  if ! "$cdrl" train --agent "$agent" --env cartpole --seed 1 --out "$real" "$@" >/dev/null 2>&1; then
    echo "FAIL frames-replay-$agent: the short training run failed"; fail=1; return
  fi
  local want got out n last
  want=$("$cdrl" eval "$real" --episodes 1 | sed -n 's/^eval mode: *return \([0-9.]*\) .*/\1/p')
  out=$("$cdrl" viz "$real" --frames "$frames" --size 320x240 2>&1)
  got=$(sed -n 's/^replayed 1 episode of .* return \([0-9.]*\) .*/\1/p' <<<"$out")
  n=$(find "$frames" -name 'frame_*.png' | wc -l)
  last=$(find "$frames" -name 'frame_*.png' | sort | tail -1)
  if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$n" = "$(awk -v r="$want" 'BEGIN { print r + 1 }')" ] &&
     png_ok "$last" 320 240 pixels; then
    echo "ok frames-replay-$agent ($n frames, return $got)"
  else
    echo "FAIL frames-replay-$agent: eval return '$want', replay '$out', $n frames"; fail=1
  fi
  # The same episode as a GIF: one frame per PNG above, the size asked for
  # (test_viz_gif decodes GIFs frame by frame; here the header is enough).
  out=$("$cdrl" viz "$real" --gif "$tmp/$agent.gif" --gif-size 320x200 2>&1)
  local header; header=$(head -c 10 "$tmp/$agent.gif" | od -An -tu1 | awk '{ printf "%c%c%c%c%c%c %dx%d", $1, $2, $3, $4, $5, $6, $7 + 256 * $8, $9 + 256 * $10 }')
  if grep -q "^wrote $tmp/$agent.gif ($n frames, 320x200, 50 frames/s)$" <<<"$out" && [ "$header" = "GIF89a 320x200" ]; then
    echo "ok gif-replay-$agent ($(wc -c <"$tmp/$agent.gif") bytes)"
  else
    echo "FAIL gif-replay-$agent: '$out', header '$header', wanted $n frames"; fail=1
  fi
  check "gif-in-missing-dir-$agent" 2 "^cdrl viz: $tmp/no/dir/x.gif: cannot create" -- "$cdrl" viz "$real" --gif "$tmp/no/dir/x.gif"
}
replay_check pg --steps 3000
replay_check mb --steps 300 --set run.stop_when_solved=false --set agent.planner.candidates=20 \
  --set agent.planner.horizon=5
leftover=$(find "$tmp" -maxdepth 1 -name '*.tmp*' | wc -l)
[ "$leftover" = 0 ] || { echo "FAIL temporary files left: $leftover"; fail=1; }
"$cdrl" viz --help | grep -q -- "--compare" || { echo "FAIL help mentions --compare"; fail=1; }
exit $fail
