#!/usr/bin/env bash
# Telemetry cost per node (issue "Telemetry": <= 1 % of one core at 10 Hz),
# recorded in docs/BENCHMARKS.md.
#
# A whole node uses ~25 % of a core here and varies by a few % from run to
# run, so a 10 Hz difference cannot be seen directly. The script therefore
# measures the cost of one telemetry tick where it is large: one node playing
# two asc-music decks at real pace, telemetry at 100 Hz against telemetry at
# 1 Hz, alternately RUNS times, process CPU (utime + stime of /proc/PID/stat)
# over SECONDS each. Per tick = (median at 100 Hz − median at 1 Hz) / 99 Hz.
# The level analyser on the master bus runs on every block whatever the
# interval; its cost comes from tests/bench/telemetry_bench
# (BM_LevelAnalyzer48kStereo) and is added.
# It also prints the node without the telemetry role, for reference.
# Usage: tests/bench/telemetry_cost.sh [BUILD_DIR] [RUNS] [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
runs="${2:-5}"
secs="${3:-20}"
node="$build/audio_node/audio_node"
bench="$build/tests/bench/telemetry_bench"
music="${CROWDMESH_MUSIC_DIR:-$HOME/.cache/crowdmesh/music}"
hz=$(getconf CLK_TCK)
port=$((30000 + RANDOM % 20000))

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() {  # $1 = roles, $2 = telemetry interval ms
  "$node" --a "$music/frontiers.mp3" --b "$music/machine_wars.mp3" --loop --backend virtual --realtime true \
    --duration $((secs + 5)) --roles "$1" --telemetry-interval "$2" --control "tcp://127.0.0.1:$port" \
    --events "tcp://127.0.0.1:$((port + 1))" --audio "tcp://127.0.0.1:$((port + 2))" --osc $((port + 3)) > /dev/null 2>&1 &
  local pid=$!
  sleep 3
  local t0; t0=$(cpu_ticks "$pid")
  sleep "$secs"
  local t1; t1=$(cpu_ticks "$pid")
  wait "$pid" || true
  awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.2f\n", (b - a) / hz / s * 100}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
fast=""; slow=""; none=""
for i in $(seq "$runs"); do
  fast+="$(measure device,mixer,stretch,tempo,telemetry 10) "
  slow+="$(measure device,mixer,stretch,tempo,telemetry 1000) "
  none+="$(measure device,mixer,stretch,tempo 100) "
done
f=$(echo $fast | tr ' ' '\n' | median); s=$(echo $slow | tr ' ' '\n' | median); n=$(echo $none | tr ' ' '\n' | median)
echo "telemetry at 100 Hz: $fast-> median $f % of one core"
echo "telemetry at 1 Hz:   $slow-> median $s % of one core"
echo "no telemetry role:   $none-> median $n % of one core"
analyser=$("$bench" --benchmark_filter=BM_LevelAnalyzer48kStereo --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true 2>/dev/null | awk '/_median/ {for (i = 1; i <= NF; i++) if ($i ~ /^pct_of_core=/) {sub("pct_of_core=", "", $i); sub("ms", "", $i); print $i / 10}}')
awk -v f="$f" -v s="$s" -v a="$analyser" 'BEGIN {
  tick = (f - s) / 99;
  printf "one telemetry tick: %.4f %% of one core per Hz (%.0f us of CPU)\n", tick, tick * 1e4;
  printf "level analyser (every block): %.2f %% of one core\n", a;
  printf "telemetry cost at 10 Hz: %.2f %% of one core (10 ticks + analyser)\n", 10 * tick + a }'
