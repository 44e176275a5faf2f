#!/usr/bin/env bash
# Whole-process CPU and memory of audio_node against the original Crowdstream
# Python server (audio-mixer/audio_server.py) doing the same job in the same
# run: four decks of 44.1 kHz WAVs (the asc-music tracks converted, the first
# used twice), looped, on `jackd -R -d dummy -r 44100 -p PERIOD`.
# Jobs: plain; EQ on every deck (ours: --eq; the original: --enable-filters
# --optimized-filters, its cheapest EQ); stretch 120 -> 126 BPM (ours:
# playback_rate and soundtouch; the original: its own playback_rate method,
# set with OSC /set_tempo 126); plain_tele1hz: the plain job with our
# telemetry sampled once a second instead of ten times (--telemetry-interval
# 1000), to measure what the 10 Hz telemetry costs. Each job runs RUNS times per server,
# alternately, measuring utime+stime from /proc/PID/stat over SECONDS after a
# WARMUP, and private memory (Private_Clean + Private_Dirty of
# /proc/PID/smaps_rollup: JACK's shared memory excluded). Prints medians and
# ours/original ratios as Markdown rows for docs/BENCHMARKS.md.
#
# The original is public (Crowdstream, audio-mixer/audio_server.py) and not part
# of this repository: give its path. Its imports come from Debian
# (python3-numpy, -scipy, -soundfile, -pyaudio) and, for python-osc, the
# stand-in in tests/bench/original_server_shim/. Without a path only ours runs.
#
# Usage: tests/bench/node_vs_original.sh [--original PATH] [--build DIR] [--seconds S]
#                                        [--runs N] [--periods "1024 256"] [--jobs "plain eq stretch plain_tele1hz"]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
original="${CROWDMESH_ORIGINAL_SERVER:-}"
build="$root/build"
seconds=60
runs=3
periods="1024 256"
jobs="plain eq stretch"
warmup=10
while [ $# -gt 0 ]; do
  case "$1" in
    --original) original="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --periods) periods="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "node_vs_original: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
node="$build/audio_node/audio_node"
[ -x "$node" ] || { echo "node_vs_original: no audio_node at $node (build first)" >&2; exit 2; }
if [ -n "$original" ] && [ ! -r "$original" ]; then
  echo "node_vs_original: cannot read the original server at $(realpath -m "$original")" >&2
  exit 2
fi
command -v jackd >/dev/null || { echo "node_vs_original: jackd is missing (deploy/install-deps.sh)" >&2; exit 2; }
hz=$(getconf CLK_TCK)
music="${CROWDMESH_MUSIC_DIR:-$("$root/deploy/fetch-demo-music.sh" | tail -n 1)}"
wavs="$HOME/.cache/crowdmesh/wav44k"
mkdir -p "$wavs"
for t in $(ls "$music"/*.mp3 | head -n 3); do
  out="$wavs/$(basename "$t" .mp3).wav"
  [ -s "$out" ] || ffmpeg -loglevel error -y -i "$t" -ar 44100 -ac 2 -c:a pcm_s16le "$out"
done
mapfile -t w < <(ls "$wavs"/*.wav | head -n 3)
w+=("${w[0]}")

export JACK_DEFAULT_SERVER="crowdmesh-bench-$$"
export JACK_NO_AUDIO_RESERVATION=1
jack_pid=""
stop_jack() { if [ -n "$jack_pid" ]; then kill "$jack_pid" 2>/dev/null || true; wait "$jack_pid" 2>/dev/null || true; jack_pid=""; fi; }
trap stop_jack EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
private_mib() { awk '/^Private_(Clean|Dirty):/ {s += $2} END {printf "%.1f", s / 1024}' "/proc/$1/smaps_rollup"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# measure PID -> "cpu_percent private_mib"
measure() {
  local pid=$1
  sleep "$warmup"
  kill -0 "$pid" 2>/dev/null || { echo "dead 0"; return; }
  local t0; t0=$(cpu_ticks "$pid")
  sleep "$seconds"
  local t1; t1=$(cpu_ticks "$pid")
  local mem; mem=$(private_mib "$pid")
  awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$seconds" -v m="$mem" 'BEGIN {printf "%.2f %s\n", (b - a) / hz / s * 100, m}'
}

port=$((30000 + RANDOM % 20000))
run_ours() {  # $1 = period, $2 = job variant
  local extra=()
  case "$2" in
    eq) extra=(--eq A=-6,0,3 --eq B=-6,0,3 --eq C=-6,0,3 --eq D=-6,0,3) ;;
    stretch) extra=(--bpm 120 --tempo 126) ;;
    stretch_soundtouch) extra=(--bpm 120 --tempo 126 --stretch-method soundtouch) ;;
    plain_tele1hz) extra=(--telemetry-interval 1000) ;;
  esac
  "$node" --backend portaudio --device system --sample-rate 44100 --buffer-size "$1" \
    --track "A=${w[0]}" --track "B=${w[1]}" --track "C=${w[2]}" --track "D=${w[3]}" --loop "${extra[@]}" \
    --duration $((warmup + seconds + 5)) --control "tcp://127.0.0.1:$port" --events "tcp://127.0.0.1:$((port + 1))" \
    --audio "tcp://127.0.0.1:$((port + 2))" --osc $((port + 3)) > /tmp/node_vs_original.ours.log 2>&1 &
  local pid=$!
  measure "$pid"
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

jack_device_index() {
  /usr/bin/python3 - <<'PY'
import pyaudio
p = pyaudio.PyAudio()
for i in range(p.get_device_count()):
    d = p.get_device_info_by_index(i)
    if "JACK" in p.get_host_api_info_by_index(d["hostApi"])["name"] and d["maxOutputChannels"] > 0:
        print(i)
        break
PY
}

run_original() {  # $1 = period, $2 = job variant
  local extra=() osc_port=$((port + 10))
  case "$2" in
    eq) extra=(--enable-filters --optimized-filters) ;;
    *) extra=(--disable-filters) ;;
  esac
  PYTHONPATH="$here/original_server_shim" /usr/bin/python3 -u "$original" --port "$osc_port" --device "$dev_index" \
    --buffer-size "$1" --bpm 120 --a "${w[0]}" --b "${w[1]}" --c "${w[2]}" --d "${w[3]}" --levels 1 1 1 1 \
    "${extra[@]}" > /tmp/node_vs_original.original.log 2>&1 &
  local pid=$!
  if [ "$2" = stretch ]; then
    sleep 3
    oscsend localhost "$osc_port" /set_tempo f 126 || true
  fi
  measure "$pid"
  kill -INT "$pid" 2>/dev/null || true
  sleep 1
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

echo "| job | period | audio_node CPU % (runs) | original CPU % (runs) | ratio | audio_node private MiB | original private MiB |"
echo "|---|---|---|---|---|---|---|"
for period in $periods; do
  stop_jack
  jackd -R -n "$JACK_DEFAULT_SERVER" -d dummy -r 44100 -p "$period" > /tmp/node_vs_original.jackd.log 2>&1 &
  jack_pid=$!
  sleep 2
  dev_index=""
  [ -n "$original" ] && dev_index=$(jack_device_index)
  if [ -n "$original" ] && [ -z "$dev_index" ]; then
    echo "node_vs_original: PyAudio sees no JACK output device" >&2
    exit 1
  fi
  for job in $jobs; do
    variants=("$job")
    [ "$job" = stretch ] && variants=(stretch stretch_soundtouch)
    for v in "${variants[@]}"; do
      ours_cpu=""; ours_mem=""; orig_cpu=""; orig_mem=""
      for r in $(seq "$runs"); do
        read -r c m <<< "$(run_ours "$period" "$v")"  # waits until the node has exited (it holds its ports till then)
        ours_cpu+="$c "; ours_mem+="$m "
        if [ -n "$original" ] && [ "$v" != stretch_soundtouch ]; then
          read -r c m <<< "$(run_original "$period" "$job")"
          orig_cpu+="$c "; orig_mem+="$m "
        fi
      done
      oc=$(echo "$ours_cpu" | median); om=$(echo "$ours_mem" | median)
      if [ -n "$orig_cpu" ]; then
        pc=$(echo "$orig_cpu" | median); pm=$(echo "$orig_mem" | median)
        ratio=$(awk -v a="$oc" -v b="$pc" 'BEGIN {printf (b > 0 ? "%.2f" : "-"), a / b}')
      else
        pc="-"; pm="-"; ratio="-"
      fi
      echo "| $v | $period | $oc ($ours_cpu) | $pc (${orig_cpu:-not run}) | $ratio | $om | $pm |"
    done
  done
done
