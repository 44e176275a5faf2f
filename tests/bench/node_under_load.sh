#!/usr/bin/env bash
# A node playing beside hogs, as on a Pi that also runs the movement detector:
# one node, two asc-music decks looped at real pace on the virtual device
# (SCHED_FIFO callback, playout thread below it), for SECONDS, while stress-ng
# runs CPU, memory and disk hogs at normal priority (--cpu 2 --vm 1
# --vm-bytes 1G --hdd 1 by default, STRESS to change).
# Reports, from the node's run summary:
#  - producer underruns, which the node controls and must be 0: device ring
#    shortfall (frames the playout thread did not render in time) and deck
#    FIFO shortfall (frames the decoders/stretch did not supply in time);
#  - host lateness, the host's doing, as its own figure: device wake-ups a
#    period or more late (absorbed by the virtual card's buffer, or past it:
#    device xruns) and playout wake timeouts.
# Exit status 1 when a producer underrun was counted.
# NODE_OPTS adds options to audio_node, e.g. NODE_OPTS="--target-periods 48"
# (a 256 ms buffer, the setting docs/RASPBERRY_PI.md gives for a busy Pi).
# Usage: tests/bench/node_under_load.sh [BUILD_DIR] [SECONDS]   (defaults: build 600)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
seconds="${2:-600}"
stress="${STRESS:---cpu 2 --vm 1 --vm-bytes 1G --hdd 1}"
node="$build/audio_node/audio_node"
[ -x "$node" ] || { echo "node_under_load: no audio_node at $node (build first)" >&2; exit 2; }
command -v stress-ng >/dev/null || { echo "node_under_load: stress-ng is missing (deploy/install-deps.sh)" >&2; exit 2; }
music="${CROWDMESH_MUSIC_DIR:-$("$root/deploy/fetch-demo-music.sh" | tail -n 1)}"
out="$(mktemp -d)"
port=$((30000 + RANDOM % 20000))
# shellcheck disable=SC2086
stress-ng $stress --timeout $((seconds + 20))s --quiet > "$out/stress.log" 2>&1 &
stress_pid=$!
trap 'kill $stress_pid 2>/dev/null || true; wait $stress_pid 2>/dev/null || true' EXIT
sleep 3
"$node" --a "$music/frontiers.mp3" --b "$music/machine_wars.mp3" --loop --backend virtual --realtime true \
  ${NODE_OPTS:-} --duration "$seconds" --summary-json "$out/summary.json" --control "tcp://127.0.0.1:$port" \
  --events "tcp://127.0.0.1:$((port + 1))" --audio "tcp://127.0.0.1:$((port + 2))" --osc $((port + 3)) > "$out/node.log" 2>&1
/usr/bin/python3 - "$out/summary.json" "$seconds" "$stress" "${NODE_OPTS:-}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
p = s.get("playout", {})
ring, decks = s["underrun_frames"], s["mixer_underrun_frames"]
print(f"node beside stress-ng {sys.argv[3]} for {float(sys.argv[2]):.0f} s, node options '{sys.argv[4]}' "
      f"({s['seconds_played']:.1f} s played, peak RSS {s.get('max_rss_kib', 0) / 1024:.1f} MiB)")
print(f"  producer underruns (ours, must be 0): device ring {ring} frames, deck FIFOs {decks} frames")
print(f"  host lateness (the host's): {s.get('late_wakeups', 0)} device wake-ups a period late absorbed by "
      f"the card's buffer, {s['device_xruns']} past it (device xruns), "
      f"{p.get('wake_timeouts', 0)} playout wake timeouts, callback max {s['callback_us']['max']} us")
print(f"  playout: realigns {p.get('realigns', 0)} (after lock {p.get('realigns_after_lock', 0)}), "
      f"{p.get('stalls_past_ring', 0)} wake-ups past the ring's lead (longest wake latency "
      f"{p.get('longest_wake_latency_us', 0):.0f} us), longest work {p.get('longest_work_us', 0):.0f} us wall, "
      f"{p.get('longest_work_cpu_us', 0):.0f} us CPU, {p.get('longest_lock_wait_us', 0):.0f} us lock wait")
if ring and p.get('stalls_past_ring', 0):
    print("  the device ring's underrun frames follow playout wake-ups the host delayed past the ring's lead: "
          "host lateness (tests/integration/run_summary.py), though this benchmark counts them")
sys.exit(1 if ring or decks else 0)
PY
