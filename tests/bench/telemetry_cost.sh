#!/usr/bin/env bash
# Telemetry cost per node (issue "Telemetry": <= 1 % of one core at 10 Hz),
# recorded in docs/BENCHMARKS.md. Runs one node playing two asc-music decks at
# real pace, with the telemetry role (10 Hz, master meter, publishing) and
# without it, alternately RUNS times; measures the process CPU time
# (utime + stime from /proc/PID/stat) over the middle SECONDS of each run.
# Usage: tests/bench/telemetry_cost.sh [BUILD_DIR] [RUNS] [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
runs="${2:-3}"
secs="${3:-20}"
node="$build/audio_node/audio_node"
music="${CROWDMESH_MUSIC_DIR:-$HOME/.cache/crowdmesh/music}"
hz=$(getconf CLK_TCK)
port=$((30000 + RANDOM % 20000))

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() {  # $1 = roles
  "$node" --a "$music/frontiers.mp3" --b "$music/machine_wars.mp3" --loop --backend virtual --realtime true \
    --duration $((secs + 6)) --roles "$1" --control "tcp://127.0.0.1:$port" --events "tcp://127.0.0.1:$((port + 1))" \
    --audio "tcp://127.0.0.1:$((port + 2))" > /dev/null 2>&1 &
  local pid=$!
  sleep 3
  local t0; t0=$(cpu_ticks "$pid")
  sleep "$secs"
  local t1; t1=$(cpu_ticks "$pid")
  wait "$pid" || true
  awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.2f\n", (b - a) / hz / s * 100}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
with=""; without=""
for i in $(seq "$runs"); do
  with+="$(measure device,mixer,stretch,tempo,telemetry) "
  without+="$(measure device,mixer,stretch,tempo) "
done
w=$(echo $with | tr ' ' '\n' | median); wo=$(echo $without | tr ' ' '\n' | median)
echo "with telemetry (10 Hz): $with-> median $w % of one core"
echo "without telemetry:      $without-> median $wo % of one core"
awk -v w="$w" -v wo="$wo" 'BEGIN {printf "telemetry cost: %.2f %% of one core\n", w - wo}'
