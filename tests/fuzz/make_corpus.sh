#!/usr/bin/env bash
# Crowdmesh: regenerates the binary seeds of tests/fuzz/corpus/ (committed; run
# this only to change them). Needs protoc and python3-soundfile (deploy/install-deps.sh).
# Usage: tests/fuzz/make_corpus.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
c="$here/corpus"
mkdir -p "$c/envelope" "$c/audio_chunk" "$c/osc" "$c/mesh_config" "$c/bpm_config" "$c/decoder"

# Envelopes: one of each payload, as the mesh sends them (protoc text format).
enc() { protoc -I "$root/proto" --encode=crowdmesh.v1.Envelope "$root/proto/crowdmesh/v1/envelope.proto" > "$1"; }
enc "$c/envelope/command_play_deck" <<'T'
protocol_version: 1 source: "control/cli" target: "room-a/mixer" correlation_id: 7 send_time_ns: 1000
command { play_deck { deck: DECK_A } }
T
enc "$c/envelope/command_set_gain_at" <<'T'
protocol_version: 1 source: "room-b/osc" target: "*/mixer" correlation_id: 8 send_time_ns: 2000 execute_at_ns: 5000000
command { set_gain { target { buffer { deck: DECK_B buffer_id: 1100 } } gain_db: -6 ramp_seconds: 0.5 } }
T
enc "$c/envelope/command_load_buffer" <<'T'
protocol_version: 1 source: "control/cli" target: "/stretch" correlation_id: 9
command { load_buffer { deck: DECK_C buffer_id: 2100 path: "/music/a.flac" native_bpm: 120 } }
T
enc "$c/envelope/command_set_tempo" <<'T'
protocol_version: 1 source: "room-a/osc" target: "room-a/tempo" correlation_id: 10
command { set_tempo { target_bpm: 118 ramp_seconds: 30 } }
T
enc "$c/envelope/reply_error" <<'T'
protocol_version: 1 source: "room-a/gateway" target: "control/cli" correlation_id: 7
reply { error { code: ERROR_CODE_UNKNOWN_NODE message: "no node 'room-z'" } }
T
enc "$c/envelope/event_heartbeat" <<'T'
protocol_version: 1 source: "room-a/gateway" send_time_ns: 123456789
event { kind: "heartbeat" fields { key: "a" value: "1" } fields { key: "b" value: "2" }
        heartbeat { roles: "device" roles: "mixer" control_endpoint: "tcp://10.0.0.11:7700" clock_offset_ns: -42
                    clock_rtt_ns: 90000 clock_skew_ppm: 1.5 clock_error_ns: 20000 clock_locked: true clock_reference: "room-a" } }
T
enc "$c/envelope/event_tempo" <<'T'
protocol_version: 1 source: "room-a/tempo" event { kind: "tempo" tempo { bpm: 121.5 apply_at_ns: 99000000 } }
T
enc "$c/envelope/clock_probe" <<'T'
protocol_version: 1 source: "room-b/gateway" target: "room-a/clock" clock_probe { sequence: 3 t1_ns: 10 t2_ns: 20 t3_ns: 30 }
T
enc "$c/envelope/version_2" <<'T'
protocol_version: 2 source: "room-a/gateway" correlation_id: 1 command { get_status { } }
T

# Audio chunks: small blocks in each sample format (payload = frames x channels x bytes).
chunk() { # name format frames channels bytes_per_sample
  local payload
  payload="$(/usr/bin/python3 -c "import sys; n=$3*$4*$5; sys.stdout.write(''.join('\\\\%03o' % ((i*37)&255) for i in range(n)))")"
  enc "$c/audio_chunk/$1" <<T
protocol_version: 1 source: "room-a/mixer"
audio_chunk { stream_id: "room-a/master" sequence: 5 pts_ns: 1000000 first_frame: 480 sample_rate_hz: 48000
              channels: $4 frames: $3 format: $2 payload: "$payload" title: "Track" }
T
}
chunk f32_stereo SAMPLE_FORMAT_F32LE 4 2 4
chunk s16_stereo SAMPLE_FORMAT_S16LE 8 2 2
chunk s24_mono SAMPLE_FORMAT_S24LE 6 1 3
chunk f32_wrong_size SAMPLE_FORMAT_F32LE 4 2 3

# OSC: one message per address of the original server's API, two bundles
# (OSC 1.0 encoding written out here: pyliblo has no serialiser).
/usr/bin/python3 - "$c/osc" <<'PY'
import sys, struct
out = sys.argv[1]
def pad(b):
    return b + b"\0" * (4 - len(b) % 4)
def message(path, *args):
    tags, data = ",", b""
    for a in args:
        t, v = a if isinstance(a, tuple) else ({int: "i", float: "f", str: "s"}[type(a)], a)
        tags += t
        data += {"i": lambda: struct.pack(">i", v), "h": lambda: struct.pack(">q", v),
                 "f": lambda: struct.pack(">f", v), "d": lambda: struct.pack(">d", v),
                 "s": lambda: pad(v.encode()), "T": lambda: b"", "F": lambda: b""}[t]()
    return pad(path.encode()) + pad(tags.encode()) + data
msgs = {
    "load_buffer": message("/load_buffer", 100, "/music/a.flac", "intro"),
    "play_stem": message("/play_stem", 1100, 1.0, 0.8, ("T", None), 0.0),
    "stop_stem": message("/stop_stem", ("h", 2100)),
    "stem_volume": message("/stem_volume", 3100, ("d", 0.5)),
    "crossfade_levels": message("/crossfade_levels", 1.0, 0.0),
    "deck_levels": message("/deck_levels", 1.0, 0.5, 0.0, 0.25),
    "deck_filter": message("/deck_filter", "A", "low", 0.3),
    "deck_eq": message("/deck_eq", "b", "mid", 50.0),
    "deck_eq_all": message("/deck_eq_all", "C", 100.0, 50.0, 0.0),
    "get_status": message("/get_status"),
    "test_tone": message("/test_tone", 440.0),
    "mixer_cleanup": message("/mixer_cleanup"),
    "set_tempo": message("/set_tempo", 124.0),
    "total_movement": message("/dance/total_movement", 0.12),
    "person_count": message("/dance/person_count", 12),
    "reset": message("/reset"),
    "play": message("/play", "A", "/music/a.flac", 0.5),
    "fade": message("/fade", "B", 1.0, 2.0),
    "cue": message("/cue", "D", "/music/b.flac", ("F", None)),
    "start_group": message("/start_group", 0.5, "A", "B"),
}
for name, b in msgs.items():
    open(f"{out}/{name}", "wb").write(b)
def bundle(*elems):
    return b"#bundle\0" + struct.pack(">Q", 1) + b"".join(struct.pack(">i", len(e)) + e for e in elems)
open(f"{out}/bundle", "wb").write(bundle(msgs["play"], msgs["set_tempo"]))
open(f"{out}/bundle_nested", "wb").write(bundle(bundle(msgs["cue"]), msgs["get_status"]))
PY

# Mesh TOML: the project's examples.
cp "$root/deploy/mesh.example.toml" "$c/mesh_config/mesh.example.toml"
cp "$root/deploy/mesh.local.toml" "$c/mesh_config/mesh.local.toml"

# bpm_config.json: the original's full file, a partial override, {}.
cat > "$c/bpm_config/full.json" <<'J'
{"movement_bpm": {
  "movement_max_value": 0.6,
  "thresholds":  {"very_very_low": 0.02, "very_low": 0.05, "low": 0.10, "medium": 0.15},
  "bpm_targets": {"very_very_low": 105, "very_low": 110, "low": 115, "medium": 118, "high_max": 130},
  "smoothing":   {"transition_time_seconds": 30,
                  "audio_loop_rate_hz": 100, "smoothing_factor_up": 0.96, "smoothing_factor_down": 0.92}}}
J
printf '{"movement_bpm": {"thresholds": {"medium": 0.08}, "base_bpm": 124}}\n' > "$c/bpm_config/partial.json"
printf '{}\n' > "$c/bpm_config/empty.json"

# Audio files: a few dozen frames in each container libsndfile reads (no
# .wav names: the repository ignores *.wav).
/usr/bin/python3 - "$c/decoder" <<'PY'
import sys, math, soundfile as sf
out = sys.argv[1]
tone = [[math.sin(i * 0.3) * 0.5, math.cos(i * 0.2) * 0.25] for i in range(48)]
sf.write(f"{out}/pcm16_stereo_wav", tone, 8000, format="WAV", subtype="PCM_16")
sf.write(f"{out}/float_stereo_wav", tone[:16], 44100, format="WAV", subtype="FLOAT")
sf.write(f"{out}/pcm24_mono_wav", [t[0] for t in tone[:32]], 48000, format="WAV", subtype="PCM_24")
sf.write(f"{out}/ulaw_wavex", tone[:32], 8000, format="WAVEX", subtype="ULAW")
sf.write(f"{out}/pcm16_stereo_flac", tone, 8000, format="FLAC", subtype="PCM_16")
sf.write(f"{out}/pcm16_stereo_aiff", tone[:24], 22050, format="AIFF", subtype="PCM_16")
sf.write(f"{out}/pcm16_mono_au", [t[0] for t in tone[:24]], 8000, format="AU", subtype="PCM_16")
sf.write(f"{out}/alac_caf", tone[:24], 44100, format="CAF", subtype="ALAC_16")
PY
echo "corpus: $(find "$c" -type f | wc -l) seeds in $c"
