#!/usr/bin/env bash
# Crowdmesh: the single list of Debian packages needed to build, test, run and deploy.
# Used by README (Quick start), .ci/run and deploy. Idempotent: installs only what is missing.
# Usage: deploy/install-deps.sh            install what is missing
#        deploy/install-deps.sh --arm64-packages   print the arm64 packages of the cross
#                                                  build's sysroot (deploy/arm64-sysroot.sh)
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config ccache git
  libcaf-dev                      # actors (CAF 0.17)
  portaudio19-dev                 # sound devices (ALSA/JACK)
  libzmq3-dev cppzmq-dev          # mesh transport
  libprotobuf-dev protobuf-compiler
  libsamplerate0-dev              # sample-rate conversion
  libsoundtouch-dev               # time-stretch
  libsndfile1-dev                 # file decoding (WAV/FLAC/Ogg/MP3)
  libcli11-dev                    # command-line parsing
  nlohmann-json3-dev              # JSON summaries
  libspdlog-dev                   # logging (never on the RT path)
  libtomlplusplus-dev             # mesh config files (TOML)
  libpugixml-dev                  # Rekordbox XML collections (actors/structure)
  liblo-dev                       # OSC bridge (the original server's UDP API)
  libopusenc-dev libopus-dev libogg-dev  # Ogg/Opus encoder; libopus: Opus payload of remote playout
  libflac-dev                     # FLAC encoder
  libmp3lame-dev                  # MP3 encoder (LAME)
  libshout-dev                    # Icecast sink
  libebur128-dev                  # EBU R128 loudness (normalisation, meters)
  libmicrohttpd-dev               # Prometheus /metrics endpoint
  libsystemd-dev                  # sd_notify readiness and watchdog (systemd service)
  libisal-dev                     # Reed-Solomon erasure codes (ISA-L): FEC of remote playout (actors/netaudio)
  googletest libgtest-dev libgmock-dev
  libbenchmark-dev
)
TEST_PKGS=(
  soundstretch                    # SoundTouch CLI: CPU-time reference for tests/bench/soundstretch_compare.sh
  jackd2                          # 'jackd -d dummy' clocked device for PortAudio integration tests
  sox                             # measuring rendered audio in scenario scripts
  dpkg-dev                        # apt-get download + dpkg -x for the demo music
  liblo-tools                     # oscsend/oscdump for trying the OSC bridge by hand
  opus-tools flac lame            # reference encoders and decoder checks (opusinfo, flac -t) for encoder tests
  ffmpeg                          # ffprobe, ebur128 loudness and Icecast listener checks
  icecast2                        # a real Icecast server for the Icecast sink tests
  prometheus                      # a real Prometheus server + promtool for the /metrics tests
  python3-numpy python3-scipy     # tests/integration/sync_analyser.py (room alignment from recordings)
  iproute2 nftables               # network namespaces and random packet loss for tests/integration/netns_loss_test.py
  stress-ng                       # CPU, memory and disk hogs for tests/bench/node_under_load.sh
  python3-pyaudio python3-soundfile python3-liblo  # the original Python server, side by side in tests/bench/node_vs_original.sh
  clang-14 libfuzzer-14-dev       # libFuzzer harnesses under ASan+UBSan (tests/fuzz, deploy/run-fuzz.sh)
  g++-aarch64-linux-gnu qemu-user-static  # arm64 cross build, its unit tests under qemu (deploy/cross-arm64.sh)
)
# The arm64 build dependencies, unpacked into a sysroot for the cross build
# (not installed on the host: libcaf-dev and liblo-dev are not Multi-Arch:
# same and cannot sit beside their amd64 versions). The C++ runtime comes
# from the cross compiler; headers-only packages are listed like the others.
ARM64_PKGS=(
  libc6-dev libcaf-dev portaudio19-dev libzmq3-dev cppzmq-dev libprotobuf-dev
  libsamplerate0-dev libsoundtouch-dev libsndfile1-dev libcli11-dev nlohmann-json3-dev
  libspdlog-dev libtomlplusplus-dev libpugixml-dev liblo-dev libopusenc-dev libopus-dev libogg-dev
  libflac-dev libmp3lame-dev libshout-dev libebur128-dev libmicrohttpd-dev libsystemd-dev
  libisal-dev libgtest-dev libgmock-dev
)
if [ "${1:-}" = "--arm64-packages" ]; then
  echo "${ARM64_PKGS[*]}"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#BUILD_PKGS[@]} build and ${#TEST_PKGS[@]} test packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# jackd2 asks whether to enable realtime scheduling; answer non-interactively.
echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
# icecast2 asks for passwords; the tests start their own server with their own config.
echo "icecast2 icecast2/icecast-setup boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
