#!/usr/bin/env bash
# Whole-process CPU of an idle node: mesh, telemetry and OSC up, the virtual
# device at real pace (callback and playout thread running, rendering
# silence), nothing loaded. utime + stime from /proc/PID/stat over SECONDS
# after 5 s of start-up (the level meter stops metering digital silence after
# 4 s), RUNS times per period size; prints the runs and the median, and the
# process's threads that used the most CPU in the last run.
# Usage: tests/bench/node_idle_cpu.sh [BUILD_DIR] [SECONDS] [RUNS] [PERIODS]
#        (defaults: build 20 3 "256 1024")
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
seconds="${2:-20}"
runs="${3:-3}"
periods="${4:-256 1024}"
node="$build/audio_node/audio_node"
[ -x "$node" ] || { echo "node_idle_cpu: no audio_node at $node (build first)" >&2; exit 2; }
hz=$(getconf CLK_TCK)
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
thread_ticks() { for t in /proc/"$1"/task/*; do echo "$(cat "$t/comm" 2>/dev/null) $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null)"; done; }
for period in $periods; do
  all=""
  for r in $(seq "$runs"); do
    port=$((30000 + RANDOM % 20000))
    "$node" --backend virtual --realtime true --buffer-size "$period" --duration $((seconds + 8)) \
      --control "tcp://127.0.0.1:$port" --events "tcp://127.0.0.1:$((port + 1))" \
      --audio "tcp://127.0.0.1:$((port + 2))" --osc $((port + 3)) > /dev/null 2>&1 &
    pid=$!
    sleep 5
    t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    thread_ticks "$pid" > /tmp/node_idle_cpu.threads0
    sleep "$seconds"
    t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    thread_ticks "$pid" > /tmp/node_idle_cpu.threads1
    wait "$pid" || true
    all+="$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$seconds" 'BEGIN {printf "%.2f", (b - a) / hz / s * 100}') "
  done
  echo "idle node, virtual device, $period frames at 48 kHz: $all-> median $(echo "$all" | median) % of one core"
  paste -d' ' /tmp/node_idle_cpu.threads0 /tmp/node_idle_cpu.threads1 |
    awk -v hz="$hz" -v s="$seconds" '{d = $4 - $2; c[$1] += d} END {for (n in c) if (c[n] > 0) printf "  %s %.2f%%\n", n, c[n] / hz / s * 100}' |
    sort -k2 -t' ' -rn | head -n 6
done
