#!/usr/bin/env bash
# CPU time of a file→file tempo change (+5 %): SoundTouch's own `soundstretch`
# CLI vs our stretch_file (the same library through stretch::SoundTouchStretcher),
# same input WAV, same settings (SoundTouch defaults: sequence/seek window auto,
# overlap 8 ms, no -quick/-naa; soundstretch 2.3.2 has no -seq/-seekwindow/-overlap
# switches, so neither side sets them). Runs are interleaved, REPS each; prints
# user+sys CPU medians and ours/soundstretch. Goal: ratio ≤ 1.2 (exit 1 if not).
#
# usage: tests/bench/soundstretch_compare.sh [path/to/stretch_file] [REPS]
# input: the first 60 s of frontiers.mp3 ($CROWDMESH_MUSIC_DIR or
# ~/.cache/crowdmesh/music), else a generated 60 s 44.1 kHz stereo WAV.
set -euo pipefail

STRETCH_FILE=${1:-build/tests/bench/stretch_file}
REPS=${2:-3}
TEMPO=5
command -v soundstretch >/dev/null || { echo "soundstretch missing: apt-get install -y soundstretch" >&2; exit 2; }
[ -x "$STRETCH_FILE" ] || { echo "not executable: $STRETCH_FILE (build target stretch_file)" >&2; exit 2; }

work=$(mktemp -d /tmp/soundstretch_compare.XXXXXX)
trap 'rm -rf "$work"' EXIT

track=""
for d in "${CROWDMESH_MUSIC_DIR:-}" "$HOME/.cache/crowdmesh/music"; do
  if [ -n "$d" ] && [ -f "$d/frontiers.mp3" ]; then track="$d/frontiers.mp3"; break; fi
done
if [ -n "$track" ]; then
  "$STRETCH_FILE" --decode "$track" "$work/in.wav" 60
  echo "input: first 60 s of $track"
else
  sox -n -r 44100 -c 2 -b 16 "$work/in.wav" synth 60 sine 110 sine 440 gain -6
  echo "input: generated 60 s two-tone WAV (frontiers.mp3 not found)"
fi
soxi "$work/in.wav" | grep -E "Sample Rate|Channels|Duration" | tr -s ' '

cpu_seconds() {  # runs "$@", prints user+sys CPU seconds (bash `time`: getrusage, ms
                 # resolution; /usr/bin/time -f %U+%S only resolves 10 ms)
  local TIMEFORMAT='%3U %3S'
  { time "$@" >/dev/null 2>&1; } 2>"$work/t"
  awk '{printf "%.3f\n", $1 + $2}' "$work/t"
}

ss=(); ours=()
for ((i = 1; i <= REPS; i++)); do
  ss+=("$(cpu_seconds soundstretch "$work/in.wav" "$work/ss.wav" -tempo=$TEMPO)")
  ours+=("$(cpu_seconds "$STRETCH_FILE" "$work/in.wav" "$work/ours.wav" $TEMPO)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
m_ss=$(median "${ss[@]}"); m_ours=$(median "${ours[@]}")
echo "soundstretch in.wav ss.wav -tempo=$TEMPO  CPU s: ${ss[*]}  median $m_ss"
echo "stretch_file in.wav ours.wav $TEMPO        CPU s: ${ours[*]}  median $m_ours"
echo "output frames: soundstretch $(soxi -s "$work/ss.wav"), ours $(soxi -s "$work/ours.wav")"
ratio=$(awk -v a="$m_ours" -v b="$m_ss" 'BEGIN {printf "%.3f", (b > 0) ? a / b : 0}')
echo "ratio ours/soundstretch: $ratio (goal <= 1.2)"
awk -v r="$ratio" 'BEGIN {exit !(r <= 1.2)}'
