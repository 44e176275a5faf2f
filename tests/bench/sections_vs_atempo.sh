#!/usr/bin/env bash
# Song-section export against ffmpeg's atempo, same sections, same run.
# For each asc-music track (deploy/fetch-demo-music.sh) it writes a struct JSON
# (a 120 BPM grid, an 8 s intro, then 16 s sections: synthetic analysis, the
# timing job is what is measured), then times
#   control_node sections  (decode, SoundTouch to the target BPM, WAV, CSV, XML)
# and, for the same ranges and speeds, ffmpeg -ss/-to with atempo to WAV, as
# the original struct_loader did. Prints each tool's wall time, the ratio and
# the part lengths against (end - ini) / speed.
# Usage: tests/bench/sections_vs_atempo.sh [BUILD_DIR] [TARGET_BPM] [N_SECTIONS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
target="${2:-126}"
n="${3:-6}"
music="${CROWDMESH_MUSIC_DIR:-$HOME/.cache/crowdmesh/music}"
control_node="$build/control_node/control_node"
[[ -x "$control_node" ]] || { echo "sections_vs_atempo: build $control_node first" >&2; exit 1; }
command -v ffmpeg >/dev/null || { echo "sections_vs_atempo: ffmpeg is not installed (deploy/install-deps.sh)" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/sections_vs_atempo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/struct" "$work/ffmpeg"
for f in "$music"/*.mp3; do
  dur="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")"
  /usr/bin/python3 - "$f" "$dur" "$work/struct/$(basename "${f%.mp3}").json" <<'PY'
import json, sys
path, dur, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
beats = [i * 0.5 for i in range(int(dur / 0.5))]
segs = [{"start": 0.0, "end": 8.0, "label": "intro"}]
t = 8.0
while t + 16 <= dur:
    segs.append({"start": t, "end": t + 16, "label": "verse"})
    t += 16
json.dump({"path": path, "bpm": 120, "beats": beats, "downbeats": beats[::4], "segments": segs}, open(out, "w"))
PY
done
ours_start=$(date +%s.%N)
"$control_node" sections "$work/struct" --out "$work/ours" --target-bpm "$target" --n-sections "$n" --no-orig >"$work/ours.log"
ours_end=$(date +%s.%N)
speed="$(/usr/bin/python3 -c "print($target / 120)")"
ff_start=$(date +%s.%N)
tail -n +2 "$work/ours/sections.csv" | while IFS=, read -r path _ _ _ _ ini _ end _; do
  ffmpeg -nostdin -y -hide_banner -loglevel error -ss "$ini" -to "$end" -i "$path" -filter:a "atempo=$speed" \
    -acodec pcm_s16le "$work/ffmpeg/$(basename "${path%.mp3}").wav"
done
ff_end=$(date +%s.%N)
/usr/bin/python3 - "$work" "$ours_start" "$ours_end" "$ff_start" "$ff_end" "$speed" <<'PY'
import csv, subprocess, sys
work, os_, oe, fs, fe, speed = sys.argv[1], *map(float, sys.argv[2:7])
rows = list(csv.DictReader(open(f"{work}/ours/sections.csv")))
def seconds(p):
    return float(subprocess.run(["soxi", "-D", p], capture_output=True, text=True).stdout)
worst = 0.0
for r in rows:
    want = (float(r["end_cue"]) - float(r["ini_cue"])) / speed
    got = seconds(r["part_file"])
    worst = max(worst, abs(got - want))
audio = sum(float(r["end_cue"]) - float(r["ini_cue"]) for r in rows)
ours, ff = oe - os_, fe - fs
print(f"{len(rows)} parts, {audio:.0f} s of source audio, speed {speed:.4f}")
print(f"control_node sections: {ours:.2f} s ({audio / ours:.0f}x real time); worst part length error {worst * 1e3:.3f} ms")
print(f"ffmpeg atempo:         {ff:.2f} s ({audio / ff:.0f}x real time)")
print(f"ratio (ffmpeg time / ours): {ff / ours:.2f}")
PY
