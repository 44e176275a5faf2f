#!/usr/bin/env bash
# Unpacks Debian's arm64 build dependencies of Crowdmesh (the list in
# deploy/install-deps.sh --arm64-packages, with everything they depend on)
# into a sysroot for the cross build (cmake/aarch64-linux-gnu.cmake), with
# apt-get download + dpkg -x: nothing is installed for arm64 on the host.
# Idempotent: a sysroot made by the same script from the same list is kept.
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
stamp_text="$(sha1sum "${BASH_SOURCE[0]}" | cut -c1-12) ${wanted[*]}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ]; then
  echo "arm64-sysroot: $dir is up to date"
  exit 0
fi

# A failed update (no network, a mirror without arm64) is judged by what apt
# then has: no arm64 index is the exit-3 case, with the reason.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64 ||
    { echo "arm64-sysroot: cannot add the arm64 architecture to dpkg (needs root or sudo)" >&2; exit 3; }
  $SUDO apt-get update -qq || true
elif ! apt-cache show libc6:arm64 > /dev/null 2>&1; then
  $SUDO apt-get update -qq || true
fi
if ! apt-cache show libc6:arm64 > /dev/null 2>&1; then
  echo "arm64-sysroot: apt has no arm64 packages (no arm64 index after apt-get update)" >&2
  exit 3
fi

# Architecture: all packages of the list (header-only libraries: CLI11,
# nlohmann-json, ...) have no arm64 version: "NAME:arm64" names nothing
# (apt-cache depends prints it as the virtual "<NAME:arm64>" and the package
# was left out of the sysroot). Ask for those under their plain name.
mapfile -t wanted_all < <(apt-cache show --no-all-versions "${wanted[@]}" 2>/dev/null |
  awk '/^Package:/ {p = $2} /^Architecture: all/ {print p}' | sort -u)
query=()
for p in "${wanted[@]}"; do
  if printf '%s\n' "${wanted_all[@]}" | grep -qx -- "$p"; then query+=("$p"); else query+=("$p:arm64"); fi
done
# Every package the list depends on (Depends and Pre-Depends), for arm64.
# Names without an architecture are Architecture: all (headers, data) or the
# host's own tools (Multi-Arch: foreign, not needed in a sysroot).
mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "${query[@]}" | grep -E '^[a-z0-9]' | sort -u)
missing=()
for p in "${query[@]}"; do
  printf '%s\n' "${closure[@]}" | grep -qx -- "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "arm64-sysroot: apt has no package ${missing[*]}" >&2
  exit 3
fi
mapfile -t plain < <(printf '%s\n' "${closure[@]}" | grep -v ':')
mapfile -t all_arch < <(if [ ${#plain[@]} -gt 0 ]; then apt-cache show --no-all-versions "${plain[@]}" 2>/dev/null |
  awk '/^Package:/ {p = $2} /^Architecture: all/ {print p}' | sort -u; fi)
mapfile -t debs < <(printf '%s\n' "${closure[@]}" | grep ':arm64$'; printf '%s\n' "${all_arch[@]}")
echo "arm64-sysroot: ${#debs[@]} packages into $dir"

cache="${CROWDMESH_ARM64_DEBS:-$HOME/.cache/crowdmesh/arm64-debs}"
mkdir -p "$cache"
(cd "$cache" && apt-get download -qq "${debs[@]}") ||
  { echo "arm64-sysroot: apt-get download of the arm64 packages failed (reason above)" >&2; exit 3; }
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
echo "$stamp_text" > "$stamp"
echo "arm64-sysroot: done ($(du -sh "$dir" | cut -f1))"
