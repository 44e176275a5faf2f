#!/usr/bin/env bash
# Abuse scenario (issue 13, docs/SECURITY.md): one audio_node in a CURVE mesh
# (keys from control_node keygen, config written here), on the virtual device at
# real pace, deck A playing asc-music frontiers.mp3 looped, takes one abuse after
# another:
#   a) a client with a CURVE key the mesh does not list sends 1000 commands
#      (SetMasterGain -96 dB)
#   b) a plain client (no CURVE) sends the same 1000
#   c) the operator sends 1000 commands scheduled AHEAD_S ahead (execute_at_ns):
#      the node holds 256, refuses the rest with ERROR_CODE_NOT_READY
#   d) the operator loads 10 000 buffer ids on deck C (16 per deck, then refused)
#   e) one OSC bundle of 3274 /get_status messages to the node's OSC port,
#      65 496 bytes (a UDP datagram holds at most 65 507: 64 KiB does not fit),
#      then 20 more of them (does the node's memory stop growing?)
#   f) a float WAV with NaN and Inf samples, inside the media root, loaded on
#      deck B and played
# For each: the node's RSS (VmRSS) before and after, what the client got back,
# the refusal counters of `control_node --json top --once` (operator key), and
# that the node still answers `status` with deck A playing. At the end the
# node's run summary: producer underrun frames and xruns, and the recording of
# the master checked for non-finite samples.
#
# Run it in a network namespace of its own (ports 7780-7785 then clash with
# nothing, and nothing outside can reach the node):
#   ip netns add abuse13; ip netns exec abuse13 ip link set lo up
#   ip netns exec abuse13 tests/bench/abuse_rss.sh
#   ip netns del abuse13
# Environment: BUILD_DIR (default build: audio_node, control_node,
#   tests/bench/abuse_client), LOG_DIR (default a new temporary folder, kept),
#   PORT_BASE (default 7780: control, +1 events, +2 audio, +4 stream, +5 OSC),
#   CROWDMESH_MUSIC_DIR (default ~/.cache/crowdmesh/music), SETTLE_S (seconds
#   after each abuse before measuring, default 3), AHEAD_S (default 3000).
# Exit status: 0 every check held; 1 a check failed (named); 2 setup failed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-build}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
base="${PORT_BASE:-7780}"
settle="${SETTLE_S:-3}"
ahead="${AHEAD_S:-3000}"
music="${CROWDMESH_MUSIC_DIR:-$HOME/.cache/crowdmesh/music}"
audio_node="$build/audio_node/audio_node"
control_node="$build/control_node/control_node"
client="$build/tests/bench/abuse_client"
py=/usr/bin/python3

for bin in "$audio_node" "$control_node" "$client"; do
  [[ -x "$bin" ]] || { echo "abuse_rss: $bin not found (ninja -C $build audio_node control_node abuse_client)" >&2; exit 2; }
done
track="$music/frontiers.mp3"
[[ -f "$track" ]] || { echo "abuse_rss: $track not found: run deploy/fetch-demo-music.sh" >&2; exit 2; }
log_dir="${LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/abuse_rss.XXXXXX")}"
mkdir -p "$log_dir/media"
control="tcp://127.0.0.1:$base"
osc_port=$((base + 5))

# ---- keys and the mesh config ----------------------------------------------
keygen() { "$control_node" keygen --name "$1" --out "$2" | sed -n 's/^public key: //p'; }
node_key="$(keygen abuse "$log_dir/keys/abuse.key")"
op_key="$(keygen op "$log_dir/op.key")"
keygen mallory "$log_dir/mallory.key" >/dev/null
config="$log_dir/mesh.toml"
cat >"$config" <<EOF
[security]
mode = "curve"

[media]
roots = ["$music", "$log_dir/media"]

[nodes.abuse]
control = "$control"
events = "tcp://127.0.0.1:$((base + 1))"
audio = "tcp://127.0.0.1:$((base + 2))"
stream_port = $((base + 4))
public_key = "$node_key"
secret_key_file = "$log_dir/keys/abuse.key"

[nodes.abuse.device]
backend = "virtual"

[nodes.abuse.osc]
enabled = true
ports = [$osc_port]
bind = "127.0.0.1"

[operators.op]
public_key = "$op_key"
EOF

# ---- the node --------------------------------------------------------------
"$audio_node" --config "$config" --name abuse --backend virtual --a "$track" --loop \
  --summary-json "$log_dir/summary.json" --record "$log_dir/master.wav" --log-level info \
  >"$log_dir/node.out" 2>"$log_dir/node.log" </dev/null &
pid=$!
stop_node() {
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { echo "abuse_rss: node ignored SIGTERM for 10 s; SIGKILL" >&2; kill -KILL "$pid"; }
  wait "$pid" 2>/dev/null || true
}
trap stop_node EXIT
trap 'exit 130' INT TERM

op() { "$control_node" --config "$config" --key "$log_dir/op.key" --connect "$control" --timeout 2000 "$@"; }
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || { echo "abuse_rss: the node exited at start:" >&2; tail -n 20 "$log_dir/node.log" >&2; exit 2; }
  op status >/dev/null 2>&1 && break
  sleep 0.2
done
op status >/dev/null || { echo "abuse_rss: the node does not answer status" >&2; exit 2; }
echo "abuse_rss: node pid $pid, logs and keys in $log_dir"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
# The node's entry of `top --json --once` (telemetry comes about once a second).
top_node() {
  local t
  for _ in $(seq 25); do
    t="$(op --json top --once 2>/dev/null | jq -c '.nodes[] | select(.node == "abuse" and .master != null and .link_counters != null)' 2>/dev/null || true)"
    [[ -n "$t" ]] && { echo "$t"; return 0; }
    sleep 0.2
  done
  echo "abuse_rss: no telemetry from the node in 5 s" >&2
  return 1
}
counters() {
  jq -r '"refused \(.link_counters.connections_refused) (unknown keys \(.link_counters.unknown_keys)), loads refused \(.master.loads_refused), non-finite \(.master.nonfinite_samples), deck C buffers \([.decks[] | select(.deck == "C") | .buffers][0] // 0), master \(.master.gain_db) dB, device underrun frames \(.device.underrun_frames)"' <<<"$1"
}
deck_a_position() { jq -r '[.decks[] | select(.deck == "A" and .playing) | .position_seconds][0] // "stopped"' <<<"$1"; }

failures=()
expect() {  # expect NAME COMMAND...: records NAME as failed unless COMMAND succeeds
  local name="$1"; shift
  "$@" >/dev/null 2>&1 || { failures+=("$name"); echo "   CHECK FAILED: $name"; }
}
holds() { jq -e "$1" <<<"$2"; }  # holds JQ_CONDITION JSON

rows=()
step() {  # step LABEL COMMAND...: runs the abuse, measures, checks the node
  local label="$1"; shift
  local before after t0 t1 pos0 pos1 got
  t0="$(top_node)"; before="$(rss_kib)"; pos0="$(deck_a_position "$t0")"
  echo "== $label"
  got="$("$@" 2>&1 | tail -n 1 || true)"
  sleep "$settle"
  after="$(rss_kib)"
  t1="$(top_node)"; pos1="$(deck_a_position "$t1")"
  echo "   client: $got"
  echo "   RSS ${before} KiB -> ${after} KiB ($((after - before)) KiB)"
  echo "   top: $(counters "$t1")"
  echo "   deck A: ${pos0} s -> ${pos1} s"
  expect "$label: node answers status" op status
  # shellcheck disable=SC2016  # jq variables
  expect "$label: deck A keeps playing" jq -en --arg a "$pos0" --arg b "$pos1" '$b != "stopped" and $a != $b'
  rows+=("$label|$before|$after|$got|$(counters "$t1")")
  last_top="$t1"
  last_got="$got"
}

client_curve() { "$client" --connect "$control" --key "$1" --server-key "$node_key" "${@:2}"; }

step "a) unknown CURVE key, 1000 commands" client_curve "$log_dir/mallory.key" --kind master --count 1000 --window 1000 --wait-ms 3000
expect "a) 0 of 1000 accepted" holds '.ok == 0 and .replies == 0' "$last_got"
expect "a) unknown key counted" holds '.link_counters.unknown_keys > 0' "$last_top"

step "b) plain client, 1000 commands" "$client" --connect "$control" --kind master --count 1000 --window 1000 --wait-ms 3000
expect "b) 0 of 1000 accepted" holds '.ok == 0 and .replies == 0' "$last_got"
expect "a, b) master gain untouched" holds '.master.gain_db > -1' "$last_top"

step "c) 1000 commands scheduled ${ahead} s ahead" client_curve "$log_dir/op.key" --kind scheduled --count 1000 --window 1000 --ahead-s "$ahead" --wait-ms 3000
expect "c) 256 held, 744 refused NOT_READY" holds '.errors.ERROR_CODE_NOT_READY == 744 and .no_reply == 256' "$last_got"

step "d) 10000 buffer ids on deck C" client_curve "$log_dir/op.key" --kind buffers --deck C --path "$track" --count 10000 --window 256 --wait-ms 10000
# The 16 that fit may still fail: at most 4 files open at once, the others get NOT_READY
# (and stay on the deck as failed buffers until reloaded or unloaded).
expect "d) 16 buffer ids taken, 9984 refused" \
  holds '.ok + (.errors.ERROR_CODE_NOT_READY // 0) == 16 and .errors.ERROR_CODE_VALUE_OUT_OF_RANGE == 9984' "$last_got"
expect "d) deck C holds 16 buffers" holds '[.decks[] | select(.deck == "C") | .buffers][0] == 16' "$last_top"

# BUNDLES OSC bundles of /get_status messages, each filling a UDP datagram; prints what
# came back within 3 s and the most the bridge's reply budget (200/s, bursts of 400) allows.
osc_bundles() {
  $py - "$osc_port" "$1" <<'PY'
import json, socket, struct, sys, time
port, bundles = int(sys.argv[1]), int(sys.argv[2])
msg = b"/get_status\x00" + b",\x00\x00\x00"            # 16 bytes, no arguments
element = struct.pack(">i", len(msg)) + msg
head = b"#bundle\x00" + struct.pack(">Q", 1)          # time tag 1 = immediately
n = (65507 - len(head)) // len(element)
packet = head + element * n
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:  # room for every reply the budget lets out at once (root: past net.core.rmem_max)
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
except OSError:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.settimeout(0.2)
start = time.monotonic()
for _ in range(bundles):
    s.sendto(packet, ("127.0.0.1", port))
    time.sleep(0.05)
replies, end = 0, time.monotonic() + 3.0
while time.monotonic() < end:
    try:
        s.recvfrom(65535)
        replies += 1
    except socket.timeout:
        pass
budget = int(400 + 200 * (time.monotonic() - start))
print(json.dumps({"bundles": bundles, "bundle_bytes": len(packet), "messages": n * bundles,
                  "replies_received": replies, "budget": budget}))
PY
}
# The OSC bridge's counters are not in the telemetry: its log lines say them.
osc_log() {
  local busy limited
  busy="$(grep -o '[0-9]* messages refused so far' "$log_dir/node.log" | tail -n 1 | cut -d' ' -f1)"
  limited="$(grep -o '[0-9]* replies not sent so far' "$log_dir/node.log" | tail -n 1 | cut -d' ' -f1)"
  echo "   node log: OSC messages refused busy ${busy:-0}, replies over the budget ${limited:-0} (last lines)"
}
step "e) one OSC bundle of 65496 bytes" osc_bundles 1
osc_log
expect "e) OSC replies within the budget" holds '.replies_received <= .budget' "$last_got"
step "e2) 20 more such bundles" osc_bundles 20
osc_log
expect "e2) OSC replies within the budget" holds '.replies_received <= .budget' "$last_got"

# 5 s of a 440 Hz sine, 32-bit float stereo, with 100 NaN and 2 Inf samples.
$py - "$log_dir/media/nonfinite.wav" <<'PY'
import math, struct, sys
rate, frames, ch = 48000, 5 * 48000, 2
samples = [0.25 * math.sin(2 * math.pi * 440 * (i // ch) / rate) for i in range(frames * ch)]
for k in range(100):
    samples[(k * 4801) % len(samples)] = float("nan")
samples[1000] = float("inf")
samples[2001] = float("-inf")
data = struct.pack("<%df" % len(samples), *samples)
fmt = struct.pack("<HHIIHH", 3, ch, rate, rate * ch * 4, ch * 4, 32)
with open(sys.argv[1], "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
    f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
    f.write(b"data" + struct.pack("<I", len(data)) + data)
PY
play_nonfinite() {
  local rc=0
  { op load B "$log_dir/media/nonfinite.wav" && op play B && sleep 6 && op stop B; } >/dev/null || rc=$?
  echo "{\"load_play_stop\": $rc}"
}
step "f) WAV with 100 NaN + 2 Inf on deck B" play_nonfinite
expect "f) deck B loaded and played" holds '.load_play_stop == 0' "$last_got"
expect "f) non-finite samples counted, master peak finite" \
  holds '.master.nonfinite_samples > 0 and .master.peak_dbfs != null' "$last_top"

stop_node
trap - EXIT
echo "== after the node stopped"
summary="$(jq -c '{seconds_played, xruns, underrun_frames, device_xruns, mixer_underrun_frames, max_rss_kib}' "$log_dir/summary.json")"
echo "   summary: $summary"
expect "0 producer underruns" holds '.underrun_frames == 0 and .mixer_underrun_frames == 0' "$summary"
finite=0
$py - "$log_dir/master.wav" <<'PY' || finite=$?
import array, math, struct, sys
with open(sys.argv[1], "rb") as f:
    data = f.read()
pos, fmt_tag, body = 12, None, b""
while pos + 8 <= len(data):
    cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
    if cid == b"fmt ":
        fmt_tag = struct.unpack("<H", data[pos + 8:pos + 10])[0]
    if cid == b"data":
        body = data[pos + 8:pos + 8 + size]
        break
    pos += 8 + size + (size & 1)
if fmt_tag not in (3, 0xFFFE):
    sys.exit(f"abuse_rss: {sys.argv[1]} is not a float WAV (format {fmt_tag})")
a = array.array("f")
a.frombytes(body[: len(body) // 4 * 4])
bad = sum(1 for x in a if not math.isfinite(x))
print(f"   recording of the master: {len(a)} samples, {bad} non-finite")
sys.exit(1 if bad else 0)
PY
expect "master recording finite" test "$finite" = 0

echo
echo "| abuse | RSS before → after (MiB) | what the client got | counters in top after it |"
echo "|---|---|---|---|"
for r in "${rows[@]}"; do
  IFS='|' read -r label before after got ctr <<<"$r"
  awk -v l="$label" -v b="$before" -v a="$after" -v g="$got" -v c="$ctr" \
    'BEGIN { printf "| %s | %.1f → %.1f | `%s` | %s |\n", l, b / 1024, a / 1024, g, c }'
done
echo "run summary: $summary"
if ((${#failures[@]})); then
  printf 'abuse_rss: FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "abuse_rss: every check held"
