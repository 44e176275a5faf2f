#!/usr/bin/env bash
# Crowdmesh: configure and build one build tree (idempotent; ccache makes rebuilds cheap).
# Usage: deploy/build.sh [BUILD_DIR] [extra cmake args...]   (default BUILD_DIR: build)
# Targets: everything, or only those named in $CROWDMESH_TARGETS (space-separated).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-build}"; shift || true
case "$dir" in /*) ;; *) dir="$root/$dir" ;; esac
jobs="${CROWDMESH_JOBS:-2}"
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="${CROWDMESH_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
# shellcheck disable=SC2086
cmake --build "$dir" -j "$jobs" ${CROWDMESH_TARGETS:+--target $CROWDMESH_TARGETS}
