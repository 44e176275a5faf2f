#!/usr/bin/env bash
# Section playback end to end: one audio_node on the virtual device at real
# pace (playout thread, 256-frame periods, recording what it plays), driven by
# control_node as an operator would. A 24 s click track at 120 BPM (a 5 ms
# 2 kHz click on every beat, louder in section 2, 8-12 s) and its struct JSON
# (intro 0-4 s, sections of 4 s, a downbeat every 2 s; the JSON names the
# audio file relative to itself) are written first. The node plays at
# MESH_BPM; `cue-section A STRUCT 1 --loop`, then `next-section A` 1.2 s later.
# From the recording: the first loud click (section 2) against the last quiet
# one plus one beat at the mesh tempo, in frames (the "lands on the downbeat"
# figure; ± 1 period = ± 256 frames), and the spacing of the clicks after it.
# Usage: tests/bench/section_switch_render.sh [BUILD_DIR] [MESH_BPM] [CONTROL_PORT] [STRETCH_METHOD]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
bpm="${2:-150}"
port="${3:-7790}"
method="${4:-playback_rate}"
audio_node="$build/audio_node/audio_node"
control_node="$build/control_node/control_node"
[[ -x "$audio_node" && -x "$control_node" ]] || { echo "section_switch_render: build audio_node and control_node first" >&2; exit 1; }
command -v sox >/dev/null || { echo "section_switch_render: sox is not installed (deploy/install-deps.sh)" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/section_switch.XXXXXX")"
node_pid=""
trap '[[ -n "$node_pid" ]] && kill "$node_pid" 2>/dev/null; rm -rf "$work"' EXIT

/usr/bin/python3 - "$work" <<'PY'
import json, math, struct, sys, wave
d, rate = sys.argv[1], 48000
pcm = [0] * (24 * rate)
for beat in range(48):
    at = beat * rate // 2
    peak = 0.8 if 8.0 <= at / rate < 12.0 else 0.3
    for i in range(rate // 200):
        pcm[at + i] = int(32767 * peak * math.sin(2 * math.pi * 2000 * i / rate))
w = wave.open(d + "/clicks.wav", "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
w.writeframes(struct.pack("<%dh" % len(pcm), *pcm)); w.close()
segs = [{"start": 0, "end": 4, "label": "intro"}] + \
       [{"start": s, "end": s + 4, "label": "verse"} for s in (4, 8, 12, 16, 20)]
json.dump({"path": "clicks.wav", "bpm": 120, "beats": [k * 0.5 for k in range(48)],
           "downbeats": [k * 2.0 for k in range(12)], "segments": segs}, open(d + "/clicks.json", "w"))
PY

"$audio_node" --backend virtual --buffer-size 256 --control "tcp://127.0.0.1:$port" --events "tcp://127.0.0.1:$((port + 1))" \
  --osc off --tempo "$bpm" --stretch-method "$method" --media-root "$work" --record "$work/rec.wav" --duration 9 >"$work/node.log" 2>&1 &
node_pid=$!
ctl() { "$control_node" --connect "tcp://127.0.0.1:$port" "$@"; }
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl cue-section A "$work/clicks.json" 1 --loop
sleep 1.2
ctl next-section A
wait "$node_pid" || true
node_pid=""
grep -E "xruns" "$work/node.log" | tail -n 1
sox "$work/rec.wav" -b 16 "$work/rec16.wav" 2>/dev/null
/usr/bin/python3 - "$work/rec16.wav" "$bpm" <<'PY'
import struct, sys, wave
w = wave.open(sys.argv[1]); rate, ch, n = w.getframerate(), w.getnchannels(), w.getnframes()
raw = struct.unpack("<%dh" % (n * ch), w.readframes(n))
x = [abs(raw[i * ch]) / 32768 for i in range(n)]
beat = 60 / float(sys.argv[2]) * rate
onsets, quiet = [], rate
for i, v in enumerate(x):
    if v > 0.1 and quiet >= rate // 20:
        onsets.append((i, max(x[i:i + rate // 200])))
    quiet = 0 if v > 0.1 else quiet + 1
first = next(k for k, o in enumerate(onsets) if o[1] > 0.6)
grid = onsets[first][0] - onsets[first - 1][0] - beat
spacing = [onsets[k + 1][0] - onsets[k][0] for k in range(first, len(onsets) - 1)]
print("first click of section 2 at frame %d: %+.0f frames off the beat grid of section 1 (beat %.0f frames); "
      "spacing after it %d..%d frames" % (onsets[first][0], grid, beat, min(spacing), max(spacing)))
sys.exit(0 if abs(grid) <= 256 else 1)
PY
