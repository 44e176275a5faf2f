#!/usr/bin/env bash
# audio_node on JACK against a plain JACK client (jack_metro), same server,
# same run: on `jackd -R -d dummy -r RATE -p PERIOD`, three phases of SECONDS
# each: jack_metro alone, audio_node alone (four looped decks), both together.
# For each phase it counts the xruns jackd reports per client ("client = NAME
# was not finished") and, for audio_node, its own device xruns and producer
# underrun frames from the run summary, plus the xruns jackd reported within
# 2 s of the node's connect and disconnect.
# Usage: tests/bench/jack_vs_metro.sh [BUILD_DIR] [SECONDS] [PERIOD] [RATE]
#   (defaults: build 60 256 48000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
seconds="${2:-60}"
period="${3:-256}"
rate="${4:-48000}"
node="$build/audio_node/audio_node"
[ -x "$node" ] || { echo "jack_vs_metro: $node is missing (build first)" >&2; exit 2; }
command -v jackd >/dev/null && command -v jack_metro >/dev/null ||
  { echo "jack_vs_metro: jackd or jack_metro is missing (deploy/install-deps.sh)" >&2; exit 2; }
music="$("$root/deploy/fetch-demo-music.sh" | tail -n 1)"
mapfile -t tracks < <(ls "$music"/*.mp3 | head -n 3)
tracks+=("${tracks[0]}")

work="$(mktemp -d)"
export JACK_DEFAULT_SERVER="crowdmesh-metro-$$"
export JACK_NO_AUDIO_RESERVATION=1
jack_pid="" metro_pid=""
cleanup() {
  [ -n "$metro_pid" ] && kill "$metro_pid" 2>/dev/null || true
  [ -n "$jack_pid" ] && kill "$jack_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
log="$work/jackd.log"
jackd -R -n "$JACK_DEFAULT_SERVER" -d dummy -r "$rate" -p "$period" > "$log" 2>&1 &
jack_pid=$!
sleep 2
kill -0 "$jack_pid" || { echo "jack_vs_metro: jackd did not start:" >&2; cat "$log" >&2; exit 1; }

lines() { wc -l < "$log"; }
# not_finished FROM TO NAME: xruns jackd blamed on client NAME in log lines FROM+1..TO
not_finished() { sed -n "$(($1 + 1)),$2p" "$log" | grep -c "client = $3 was not finished" || true; }

port=$((30000 + RANDOM % 20000))
start_node() {  # $1 = duration s, $2 = summary path
  "$node" --backend portaudio --device system --sample-rate "$rate" --buffer-size "$period" \
    --track "A=${tracks[0]}" --track "B=${tracks[1]}" --track "C=${tracks[2]}" --track "D=${tracks[3]}" --loop \
    --duration "$1" --summary-json "$2" --control "tcp://127.0.0.1:$port" --events "tcp://127.0.0.1:$((port + 1))" \
    --audio "tcp://127.0.0.1:$((port + 2))" --osc off > "$work/node.log" 2>&1 &
  node_pid=$!
}
summary_figures() {  # summary path -> "device_xruns underrun_frames"
  /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s.get("device_xruns", "?"), s.get("underrun_frames", "?"))' "$1"
}

echo "jackd dummy, ${rate} Hz, period ${period}, ${seconds} s per phase ($(nproc) CPUs)"
echo "| phase | jack_metro xruns (jackd) | audio_node xruns (jackd) | audio_node device xruns / underrun frames (own) | xruns within 2 s of node connect / disconnect |"
echo "|---|---|---|---|---|"

# Phase 1: jack_metro alone.
a=$(lines)
jack_metro -b 120 > /dev/null 2>&1 &
metro_pid=$!
sleep "$seconds"
kill "$metro_pid"; wait "$metro_pid" 2>/dev/null || true; metro_pid=""
b=$(lines)
echo "| jack_metro alone | $(not_finished "$a" "$b" metro) | - | - | - |"

# Phase 2: audio_node alone; phase 3: both. Connect/disconnect windows are
# the log lines written in the first and last 2 s of the node's run.
for phase in "audio_node alone" "both together"; do
  if [ "$phase" = "both together" ]; then
    jack_metro -b 120 > /dev/null 2>&1 &
    metro_pid=$!
    sleep 2
  fi
  a=$(lines)
  start_node $((seconds + 2)) "$work/summary.json"
  sleep 2
  c1=$(lines)
  sleep $((seconds - 2))
  c2=$(lines)
  wait "$node_pid" || true
  sleep 2
  b=$(lines)
  connect=$(( $(not_finished "$a" "$c1" PortAudio) ))
  disconnect=$(( $(not_finished "$c2" "$b" PortAudio) ))
  metro="-"
  if [ -n "$metro_pid" ]; then
    metro=$(not_finished "$a" "$b" metro)
    kill "$metro_pid"; wait "$metro_pid" 2>/dev/null || true; metro_pid=""
  fi
  echo "| $phase | $metro | $(not_finished "$a" "$b" PortAudio) | $(summary_figures "$work/summary.json" | tr ' ' '/') | $connect / $disconnect |"
  port=$((port + 10))
done
echo "(jackd log: $log)"
trap - EXIT
cleanup
