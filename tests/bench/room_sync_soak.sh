#!/usr/bin/env bash
# Multi-room sync soak: tests/integration/room_sync_test.py for a long run
# (three nodes, virtual cards at +100/-100/0 ppm, local clocks at +50/-50/0 ppm),
# figures written as JSON for docs/BENCHMARKS.md.
# Usage: tests/bench/room_sync_soak.sh [BUILD_DIR] [SECONDS] [OUT_DIR] [BUFFER_PERIODS]
#   (defaults: build 3600 /tmp/crowdmesh-soak 0 = the virtual card's default buffer)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
seconds="${2:-3600}"
out="${3:-/tmp/crowdmesh-soak}"
buffer_periods="${4:-0}"
mkdir -p "$out"
export CROWDMESH_MUSIC_DIR="${CROWDMESH_MUSIC_DIR:-$("$root/deploy/fetch-demo-music.sh" | tail -n 1)}"
# The targets: p99 <= 50 us, max <= 150 us after lock.
exec /usr/bin/python3 "$root/tests/integration/room_sync_test.py" "$build" --seconds "$seconds" \
  --lock-seconds 30 --assert-p99-us 50 --assert-max-us 150 --keep "$out" --json "$out/figures.json" \
  --virtual-buffer-periods "$buffer_periods"
