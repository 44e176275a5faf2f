#!/usr/bin/env bash
# Scenario: a SECONDS-long real-pace virtual render with four looping decks
# while the mesh tempo ramps continuously between 105 and 130 BPM (RAMP-second
# transitions), through control_node as an operator would. Reports the node's
# xruns and deck-FIFO underruns from its summary (both must be 0).
# Usage: BUILD_DIR=build tests/bench/tempo_ramp_render.sh [SECONDS=600] [METHOD=soundtouch] [RAMP=30]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-build}"; case "$build" in /*) ;; *) build="$root/$build" ;; esac
seconds="${1:-600}"; method="${2:-soundtouch}"; ramp="${3:-30}"
music="$("$root/deploy/fetch-demo-music.sh" | tail -n 1)"
out="$(mktemp -d /tmp/crowdmesh-tempo-XXXX)"
node="$build/audio_node/audio_node"; ctl="$build/control_node/control_node"
"$node" --track "A=$music/frontiers.mp3" --track "B=$music/machine_wars.mp3" \
  --track "C=$music/time_to_strike.mp3" --track "D=$music/frontiers.mp3" --loop --master -12 \
  --backend virtual --duration "$seconds" --stretch-method "$method" --bpm 120 \
  --summary-json "$out/summary.json" --log-level warn --osc off 2> "$out/node.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 1
target=130
while kill -0 "$pid" 2>/dev/null; do
  "$ctl" tempo "$target" --ramp "$ramp" > /dev/null || true
  target=$(( target == 130 ? 105 : 130 ))
  for _ in $(seq "$ramp"); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
done
wait "$pid" || true
python3 - "$out/summary.json" "$seconds" "$method" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"tempo ramp render: {sys.argv[2]} s, method {sys.argv[3]}: played {s['seconds_played']:.1f} s, "
      f"xruns {s['xruns']}, deck FIFO underrun frames {s['mixer_underrun_frames']}, "
      f"callback p99 {s['callback_us']['p99']} us, peak RSS {s['max_rss_kib']/1024:.1f} MiB")
sys.exit(0 if s['xruns'] == 0 and s['mixer_underrun_frames'] == 0 else 1)
PY
echo "log lines about underruns or emergencies: $(grep -c "underrun\|emergency" "$out/node.log" || true)"
