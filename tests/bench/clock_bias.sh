#!/usr/bin/env bash
# Mesh clock bias on one host: three nodes (deploy/mesh.local.toml, virtual
# cards, no clock injection) share one CLOCK_MONOTONIC_RAW, so the true offset
# of every node to the reference is exactly 0 and the offset each node
# estimates is its error. Samples `control_node --json nodes` every 2 s after
# a settling time and prints, per node, the median and the largest |offset|.
# Usage: tests/bench/clock_bias.sh [BUILD_DIR] [SETTLE_SECONDS] [SAMPLES]   (defaults: build 40 30)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
settle="${2:-40}"
samples="${3:-30}"
work="$(mktemp -d /tmp/crowdmesh-clock-bias.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for n in room-a room-b room-c; do
  "$build/audio_node/audio_node" --config "$root/deploy/mesh.local.toml" --name "$n" --backend virtual \
    >"$work/$n.out" 2>"$work/$n.log" &
  pids+=($!)
done
sleep "$settle"
for ((i = 0; i < samples; i++)); do
  "$build/control_node/control_node" --connect tcp://127.0.0.1:7700 --json nodes >"$work/nodes.$i.json" || true
  sleep 2
done
/usr/bin/python3 - "$work" "$samples" <<'EOF'
import json, statistics, sys
work, samples = sys.argv[1], int(sys.argv[2])
offsets = {}
for i in range(samples):
    try:
        nodes = json.load(open(f"{work}/nodes.{i}.json"))["ok"]["nodes"]["nodes"]
    except (OSError, ValueError, KeyError):
        continue
    for n in nodes:
        if n.get("self"):
            continue
        offsets.setdefault(n["name"], []).append(int(n.get("clock_offset_ns", 0)) / 1000.0)
if not offsets:
    sys.exit("clock_bias: no samples (did the nodes start? see " + work + ")")
for name, v in sorted(offsets.items()):
    print(f"{name}: offset to the reference (true 0) median {statistics.median(v):+.1f} us, "
          f"max |offset| {max(abs(x) for x in v):.1f} us over {len(v)} samples")
EOF
