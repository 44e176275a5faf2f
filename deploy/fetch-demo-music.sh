#!/usr/bin/env bash
# Crowdmesh: fetch the demo/test music (Debian's asc-music: three MP3s, 22.05 kHz stereo)
# into a cache folder with `apt-get download` + `dpkg -x`. Nothing is committed.
# Usage: deploy/fetch-demo-music.sh [CACHE_DIR]   (default: $CROWDMESH_CACHE or ~/.cache/crowdmesh)
# Prints the folder holding the MP3s on its last line.
set -euo pipefail
cache="${1:-${CROWDMESH_CACHE:-$HOME/.cache/crowdmesh}}"
music="$cache/music"
if compgen -G "$music/*.mp3" >/dev/null; then
  echo "$music"; exit 0
fi
mkdir -p "$cache/deb" "$music"
cd "$cache/deb"
if ! compgen -G "asc-music_*.deb" >/dev/null; then
  if ! apt-get download asc-music >/dev/null 2>&1; then
    # The package lists may be missing on a fresh machine.
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi
    apt-get download asc-music >/dev/null
  fi
fi
rm -rf "$cache/deb/root" && dpkg -x asc-music_*.deb "$cache/deb/root"
find "$cache/deb/root" -name '*.mp3' -exec cp {} "$music/" \;
if ! compgen -G "$music/*.mp3" >/dev/null; then
  echo "fetch-demo-music: no MP3 found in asc-music package under $cache/deb/root" >&2; exit 1
fi
echo "$music"
