#!/usr/bin/env bash
# Unpacks Debian's arm64 build dependencies of Crowdmesh (the list in
# deploy/install-deps.sh --arm64-packages, with everything they depend on)
# into a sysroot for the cross build (cmake/aarch64-linux-gnu.cmake), with
# apt-get download + dpkg -x: nothing is installed for arm64 on the host.
# Idempotent: a sysroot made from the same list is kept.
# Usage: deploy/arm64-sysroot.sh DIR     (as root or with sudo: adds the arm64 architecture to apt)
# Exit status 3: the arm64 packages cannot be had (no arm64 index); the reason is printed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:?usage: deploy/arm64-sysroot.sh DIR}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
read -r -a wanted <<< "$("$root/deploy/install-deps.sh" --arm64-packages)"
stamp="$dir/.crowdmesh-packages"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${wanted[*]}" ]; then
  echo "arm64-sysroot: $dir is up to date"
  exit 0
fi

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
elif ! apt-cache show libc6:arm64 > /dev/null 2>&1; then
  $SUDO apt-get update -qq
fi
if ! apt-cache show libc6:arm64 > /dev/null 2>&1; then
  echo "arm64-sysroot: apt has no arm64 packages (no arm64 index after apt-get update)" >&2
  exit 3
fi

# Every package the list depends on (Depends and Pre-Depends), for arm64.
# Names without an architecture are Architecture: all (headers, data) or the
# host's own tools (Multi-Arch: foreign, not needed in a sysroot).
mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "${wanted[@]/%/:arm64}" | grep -E '^[a-z0-9]' | sort -u)
mapfile -t plain < <(printf '%s\n' "${closure[@]}" | grep -v ':')
mapfile -t all_arch < <(if [ ${#plain[@]} -gt 0 ]; then apt-cache show --no-all-versions "${plain[@]}" 2>/dev/null |
  awk '/^Package:/ {p = $2} /^Architecture: all/ {print p}' | sort -u; fi)
mapfile -t debs < <(printf '%s\n' "${closure[@]}" | grep ':arm64$'; printf '%s\n' "${all_arch[@]}")
echo "arm64-sysroot: ${#debs[@]} packages into $dir"

cache="${CROWDMESH_ARM64_DEBS:-$HOME/.cache/crowdmesh/arm64-debs}"
mkdir -p "$cache"
(cd "$cache" && apt-get download -qq "${debs[@]}")
rm -rf "$dir" && mkdir -p "$dir"
for p in "${debs[@]}"; do
  name="${p%:arm64}"
  for f in "$cache/${name}_"*"_arm64.deb" "$cache/${name}_"*"_all.deb"; do
    [ -e "$f" ] && dpkg -x "$f" "$dir"
  done
done
# Absolute symlinks (libfoo.so -> /lib/aarch64-linux-gnu/libfoo.so.1) would
# point into the host: point them into the sysroot.
find "$dir" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
  ln -sfn "$dir$(readlink "$link")" "$link"
done
# Debian's cross g++ looks for its C++ headers under <sysroot>/usr/aarch64-linux-gnu
# (its own sysroot is /): the cross compiler's tree is the one that matches it.
ln -sfn /usr/aarch64-linux-gnu "$dir/usr/aarch64-linux-gnu"
echo "${wanted[*]}" > "$stamp"
echo "arm64-sysroot: done ($(du -sh "$dir" | cut -f1))"
