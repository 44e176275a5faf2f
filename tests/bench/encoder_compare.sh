#!/usr/bin/env bash
# Encoder figures of issue "Encoders" (SPEC C4), recorded in docs/BENCHMARKS.md:
#  1. a 60 s real-pace render of two asc-music decks, encoded by a separate
#     encoder process with mobile, hifi and podcast: decoder checks, durations,
#     podcast loudness (ffmpeg ebur128);
#  2. throughput of our encoders with PCM over ZeroMQ against opusenc, flac and
#     lame on the same 60 s input, same settings, same run (median of RUNS).
# Usage: tests/bench/encoder_compare.sh [BUILD_DIR] [RUNS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
runs="${2:-3}"
node="$build/audio_node/audio_node"
thr="$build/tests/bench/encoder_throughput"
music="${CROWDMESH_MUSIC_DIR:-$HOME/.cache/crowdmesh/music}"
work="$(mktemp -d /tmp/crowdmesh-encbench.XXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
port=$((30000 + RANDOM % 20000))

echo "== 1. 60 s render, separate encoder process (mobile, hifi, podcast) =="
"$node" --roles encoder --source "tcp://127.0.0.1:$port" --mesh off --summary-json "$work/enc.json" \
  --encode "mobile:file:$work/mix.opus" --encode "hifi:file:$work/mix.flac" --encode "podcast:file:$work/mix.mp3" \
  > "$work/enc.out" 2> "$work/enc.err" &
enc=$!
sleep 0.5
"$node" --a "$music/frontiers.mp3" --b "$music/machine_wars.mp3" --backend virtual --realtime true --duration 60 \
  --control tcp://127.0.0.1:* --events tcp://127.0.0.1:* --audio "tcp://127.0.0.1:$port" --osc off \
  --record "$work/mix.wav" --summary-json "$work/mixer.json" > "$work/mixer.out" 2> "$work/mixer.err"
kill -TERM "$enc"; wait "$enc" || true
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
m = json.load(open(w + "/mixer.json")); e = json.load(open(w + "/enc.json"))["encoder"]
print(f"mixer: {m['seconds_played']:.3f} s played, {m['xruns']} xruns")
print(f"encoder: {e['frames_in']/48000:.3f} s encoded, gaps {e['gaps']}, dropped {e['dropped_chunks']}")
for o in e["outputs"]:
    print(f"  {o['name']}: {o['codec']} {o['state']} {o['bytes_out']} bytes, realtime factor {o['realtime_factor']:.1f}")
PY
opusinfo "$work/mix.opus" > /dev/null && echo "opusinfo mix.opus: ok"
flac -t -s "$work/mix.flac" && echo "flac -t mix.flac: ok"
for f in mix.opus mix.flac mix.mp3; do
  printf '%s duration: %s s\n' "$f" "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/$f")"
done
printf 'podcast loudness: '
ffmpeg -nostats -hide_banner -i "$work/mix.mp3" -af ebur128 -f null - 2>&1 | grep -A1 "Integrated loudness" | grep "I:" | tr -s ' '
printf 'mix (no normalisation) loudness: '
ffmpeg -nostats -hide_banner -i "$work/mix.wav" -af ebur128 -f null - 2>&1 | grep -A1 "Integrated loudness" | grep "I:" | tr -s ' '

echo "== 2. throughput on the same 60 s input (wall seconds, median of $runs) =="
sox "$work/mix.wav" -b 16 "$work/mix16.wav"
sox "$work/mix.wav" -b 24 "$work/mix24.wav"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
t() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N); awk -v a="$s" -v b="$e" 'BEGIN {printf "%.4f\n", (b - a) / 1e9}'; }
declare -A ours theirs
for i in $(seq "$runs"); do
  ours[opus]+="$("$thr" "$work/mix.wav" opus,bitrate=96 "$work/t.opus" | python3 -c 'import json,sys; print(json.load(sys.stdin)["wall_seconds"])') "
  theirs[opus]+="$(t opusenc --quiet --bitrate 96 "$work/mix.wav" "$work/r.opus") "
  ours[flac]+="$("$thr" "$work/mix.wav" flac,level=5 "$work/t.flac" | python3 -c 'import json,sys; print(json.load(sys.stdin)["wall_seconds"])') "
  theirs[flac]+="$(t flac -5 -f -s -o "$work/r.flac" "$work/mix24.wav") "
  ours[mp3]+="$("$thr" "$work/mix.wav" mp3,bitrate=192 "$work/t.mp3" | python3 -c 'import json,sys; print(json.load(sys.stdin)["wall_seconds"])') "
  theirs[mp3]+="$(t lame --quiet -b 192 --cbr -q 2 "$work/mix16.wav" "$work/r.mp3") "
done
for c in opus flac mp3; do
  o=$(echo ${ours[$c]} | tr ' ' '\n' | median); r=$(echo ${theirs[$c]} | tr ' ' '\n' | median)
  awk -v c="$c" -v o="$o" -v r="$r" 'BEGIN {printf "%-5s ours %.3f s, reference %.3f s: our speed = %.2f x theirs\n", c, o, r, r / o}'
done
echo "work dir: $work"
