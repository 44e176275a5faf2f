#!/usr/bin/env bash
# Crowdmesh demo: installs what is needed, builds, fetches Debian's asc-music and plays two
# tracks mixed on decks A and B through the default sound device. With no sound device it says
# so, falls back to the virtual device and writes the mix to a WAV (path printed at the end).
# Usage: deploy/demo.sh [SECONDS]   (default 30; 0 = until both tracks end)
# Extra audio_node options can be given in $DEMO_OPTS (e.g. DEMO_OPTS="--device 3").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-30}"
"$root/deploy/install-deps.sh"
CROWDMESH_TARGETS="audio_node control_node" "$root/deploy/build.sh" build
music="$("$root/deploy/fetch-demo-music.sh" | tail -n 1)"
out="${DEMO_OUT:-$root/build/demo-mix.wav}"
echo "demo: deck A = $music/frontiers.mp3, deck B = $music/machine_wars.mp3, ${seconds} s"
# shellcheck disable=SC2086
exec "$root/build/audio_node/audio_node" \
  --a "$music/frontiers.mp3" --b "$music/machine_wars.mp3" \
  --gain B=-3 --duration "$seconds" --fallback-record "$out" \
  --summary-json "$root/build/demo-summary.json" ${DEMO_OPTS:-}
