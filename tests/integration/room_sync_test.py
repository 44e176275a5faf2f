#!/usr/bin/python3
"""Three rooms stay in step: the multi-room sync test (and soak benchmark).

Starts three audio_node processes on this machine (deploy/mesh.local.toml:
room-a is the clock reference) whose virtual sound cards run at +100, -100
and 0 ppm and whose local clocks are off by +50, -50 and 0 ppm (and a few ms),
as separate Raspberry Pis would be. Each writes what its card played and a
truth log (frame -> true host time). The same track is scheduled on all three
with control_node; after the run, sync_analyser.py places every recording on
the true timeline and measures the pairwise offset of what a listener hears.

Asserts (what the product controls): offsets within the bounds given, zero
producer underrun frames, zero realigns after lock beyond one per host stall.
Host lateness (the virtual clock woken a whole period late, or the playout
thread woken past the ring's lead, by a busy host) is reported as its own
figure (run_summary.py).

With --stream, room-a alone plays the track and room-b and room-c play
room-a's mix received as RTP over UDP (control_node play-stream): the
remote-playout sync test. It also asserts each remote room's link figures
(no packet lost, late or concealed on loopback). The source sends what its
playout thread renders: when the host held that thread past the stream's
margin, (L - 48 ms) / 2, its packets left late. Late packets and concealed
frames are then excused up to what those stalls can explain (their number
times the longest stall) and reported as host lateness; a lost packet never is.

Usage: room_sync_test.py BUILD_DIR [--seconds 60] [--lock-seconds 20]
       [--assert-p99-us 100] [--assert-max-us 300] [--stream] [--keep DIR] [--json OUT]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from run_summary import host_realigns, producer_fault

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROOMS = [  # name, card skew ppm, clock skew ppm, clock offset us
    ("room-a", 0.0, 0.0, 0.0),
    ("room-b", 100.0, 50.0, 3000.0),
    ("room-c", -100.0, -50.0, -2000.0),
]


def music_dir():
    d = os.environ.get("CROWDMESH_MUSIC_DIR") or os.path.expanduser("~/.cache/crowdmesh/music")
    return d if os.path.exists(os.path.join(d, "frontiers.mp3")) else ""


STREAM_LATENCY_MS = 120  # the stream's default latency (the config sets none)
FEC_BLOCK_MS = 48        # K = 24 source packets of 2 ms (netaudio/fec_config.hpp)
PACKET_MS = 2
RATE_HZ = 48000


def source_stall_excuse(source_summary):
    """What room-a's host stalls can explain at the rooms that play its stream:
    (late packets, concealed frames), or (0, 0) when no stall of its playout
    thread outlasted the stream's margin (L - 48 ms) / 2."""
    po = (source_summary or {}).get("playout", {})
    stalls = po.get("stalls_past_ring", 0) or 0
    longest_ms = (po.get("longest_wake_latency_us", 0) or 0) / 1000.0
    if stalls == 0 or longest_ms <= (STREAM_LATENCY_MS - FEC_BLOCK_MS) / 2:
        return 0, 0
    return int(stalls * longest_ms / PACKET_MS), int(stalls * longest_ms * RATE_HZ / 1000)


def link_failures(links, source_summary):
    """The remote rooms' link figures (from check_stream_links) against what
    loopback allows: nothing lost; nothing late or concealed beyond what the
    source's host stalls explain (reported as host lateness)."""
    failures = []
    late_ok, concealed_ok = source_stall_excuse(source_summary)
    for name, s in links:
        if s["packets_lost"] != 0:
            failures.append(f"{name}: packets_lost = {s['packets_lost']} on loopback (expected 0)")
        if late_ok and (s["late_packets"] or s["concealed_frames"]):
            po = source_summary["playout"]
            print(f"{name}: host lateness: room-a's playout thread stalled {po['stalls_past_ring']} time(s) "
                  f"past its ring, up to {po['longest_wake_latency_us'] / 1000:.1f} ms (> the stream's "
                  f"{(STREAM_LATENCY_MS - FEC_BLOCK_MS) / 2:g} ms margin): {s['late_packets']} late packets "
                  f"(up to {late_ok} excused), {s['concealed_frames']} concealed frames (up to {concealed_ok} excused)")
        for key, allowed in (("late_packets", late_ok), ("concealed_frames", concealed_ok)):
            if s[key] > allowed:
                failures.append(f"{name}: {key} = {s[key]} on loopback (expected 0" +
                                (f", or up to {allowed} after the source's host stalls)" if allowed else ")"))
    return failures


def check_stream_links(ctl):
    """The remote rooms' link figures (telemetry): each receives room-a/master.
    Returns (failure sentences, [(room, link figures)]) for link_failures()."""
    failures, found = [], []
    deadline = time.time() + 10
    streams = {}
    while time.time() < deadline:
        rc, out = ctl("--json", "top", "--once")
        try:
            doc = json.loads(out)
            streams = {n["node"]: n.get("streams", []) for n in doc["nodes"]}
        except (ValueError, KeyError, TypeError):
            streams = {}
        if all(streams.get(name) for name, *_ in ROOMS[1:]):
            break
        time.sleep(1)
    for name, *_ in ROOMS[1:]:
        links = streams.get(name) or []
        if not links:
            failures.append(f"{name}: no stream link in its telemetry")
            continue
        s = links[0]
        print(f"{name} <= {s['stream_id']}: {s['packets_expected']} packets expected, {s['packets_lost']} lost, "
              f"{s['recovered_packets']} recovered by FEC, {s['concealed_frames']} frames concealed, "
              f"{s['late_packets']} late, jitter {s['jitter_ms']} ms, buffer {s['buffer_frames']} frames")
        if not s["receiving"] or s["packets_expected"] == 0:
            failures.append(f"{name}: not receiving room-a/master")
        found.append((name, s))
    return failures, found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seconds", type=float, default=60.0, help="music played after the scheduled start")
    ap.add_argument("--lock-seconds", type=float, default=20.0, help="analysis starts this long after the start")
    ap.add_argument("--assert-p99-us", type=float, default=100.0)
    ap.add_argument("--assert-max-us", type=float, default=300.0)
    ap.add_argument("--keep", default="")
    ap.add_argument("--tempo-change", type=int, default=1, help="1: change the mesh tempo to 126 BPM mid-run")
    ap.add_argument("--json", default="")
    ap.add_argument("--virtual-buffer-periods", type=int, default=0,
                    help="the virtual cards' hardware buffer, periods (0: the node's default)")
    ap.add_argument("--stream", action="store_true",
                    help="room-b and room-c play room-a's stream (RTP over UDP) instead of the track")
    ap.add_argument("--codec", default="", help="with --stream: room-a's stream_codec (l24, l16, opus)")
    ap.add_argument("--multicast", default="",
                    help="with --stream: room-a serves the rooms through this multicast GROUP:PORT")
    ap.add_argument("--port-offset", type=int, default=0,
                    help="shift every TCP/UDP port of deploy/mesh.local.toml (run beside other tests)")
    a = ap.parse_args()
    node_bin = os.path.join(a.build, "audio_node", "audio_node")
    ctl_bin = os.path.join(a.build, "control_node", "control_node")
    music = music_dir()
    if not music:
        print("room_sync_test: no asc-music (run deploy/fetch-demo-music.sh)", file=sys.stderr)
        return 2
    work = a.keep or tempfile.mkdtemp(prefix="crowdmesh-sync-")
    os.makedirs(work, exist_ok=True)
    procs = {}
    stream_failures, stream_links = [], []
    config = os.path.join(ROOT, "deploy", "mesh.local.toml")
    if a.port_offset:
        text = open(config).read()
        for port in (7700, 7701, 7702, 7710, 7711, 7712, 7720, 7721, 7722, 57122):
            text = text.replace(f":{port}\"", f":{port + a.port_offset}\"").replace(f"[{port}]", f"[{port + a.port_offset}]")
        config = os.path.join(work, "mesh.toml")
        with open(config, "w") as f:
            f.write(text)
    if a.multicast or a.codec:
        keys = (f"stream_multicast = \"{a.multicast}\"\n" if a.multicast else "") + \
               (f"stream_codec = \"{a.codec}\"\n" if a.codec else "")
        text = open(config).read().replace("[nodes.room-a]\n", "[nodes.room-a]\n" + keys, 1)
        config = os.path.join(work, "mesh-stream.toml")
        with open(config, "w") as f:
            f.write(text)
    connect = f"tcp://127.0.0.1:{7700 + a.port_offset}"

    def ctl(*args, timeout=40):
        r = subprocess.run([ctl_bin, "--connect", connect, *args], capture_output=True, text=True,
                           timeout=timeout)
        return r.returncode, r.stdout + r.stderr

    try:
        for name, card_ppm, clock_ppm, offset_us in ROOMS:
            args = [node_bin, "--config", config, "--name", name,
                    "--backend", "virtual", "--record", f"{work}/{name}.wav", "--truth-log", f"{work}/{name}.truth",
                    "--virtual-skew-ppm", str(card_ppm), "--test-clock-skew-ppm", str(clock_ppm),
                    "--test-clock-offset-us", str(offset_us), "--summary-json", f"{work}/{name}.json"]
            if a.virtual_buffer_periods:
                args += ["--virtual-buffer-periods", str(a.virtual_buffer_periods)]
            procs[name] = subprocess.Popen(args, stdout=open(f"{work}/{name}.out", "w"),
                                           stderr=open(f"{work}/{name}.log", "w"))
        deadline = time.time() + 20
        while time.time() < deadline:
            rc, out = ctl("--json", "nodes")
            try:
                nodes = json.loads(out)["ok"]["nodes"]["nodes"]
                if len([n for n in nodes if n.get("alive")]) == 3:
                    break
            except (ValueError, KeyError):
                pass
            time.sleep(0.2)
        else:
            print("room_sync_test: the three nodes did not come up:\n" + out, file=sys.stderr)
            return 1
        players = "room-a" if a.stream else "*"
        if a.stream:
            for name, *_ in ROOMS[1:]:
                rc, out = ctl("--to", name, "play-stream", "room-a")
                print(out.strip())
                if rc != 0:
                    print(f"room_sync_test: play-stream on {name} failed:\n" + out, file=sys.stderr)
                    return 1
        rc, out = ctl("--to", players, "load", "A", os.path.join(music, "frontiers.mp3"), "--loop")
        if rc != 0:
            print("room_sync_test: load failed:\n" + out, file=sys.stderr)
            return 1
        rc, out = ctl("--to", players, "start", "A", "--in", "2")
        if rc != 0:
            print("room_sync_test: start failed:\n" + out, file=sys.stderr)
            return 1
        # Mid-run, after lock, the tempo changes mesh-wide (control_node tempo,
        # immediate: the tempo node stamps it 1.5 s ahead). Rooms that changed at
        # different frames would drift apart by (126/120 - 1) of the difference:
        # one period (5.3 ms) apart shows as 267 us, so the sync figures after
        # the change prove "same frame" far below a period.
        started = time.time()
        changes = [(2 + a.lock_seconds + 0.5 * (a.seconds - a.lock_seconds), "126")] if a.tempo_change else []
        for at, bpm in changes:
            time.sleep(max(0.0, at - (time.time() - started)))
            rc, out = ctl("tempo", bpm)
            print(f"tempo {bpm} at {time.time() - started:.1f} s: {out.strip().splitlines()[0] if out.strip() else rc}")
            if rc != 0:
                print("room_sync_test: tempo change failed:\n" + out, file=sys.stderr)
                return 1
        time.sleep(max(0.0, 2 + a.seconds - (time.time() - started)))
        rc, nodes_out = ctl("nodes")
        print(nodes_out)
        if a.stream:
            stream_failures, stream_links = check_stream_links(ctl)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()

    failures = list(stream_failures)
    figures = {"rooms": {}}
    summaries = {}
    for name, card_ppm, clock_ppm, _ in ROOMS:
        try:
            s = json.load(open(f"{work}/{name}.json"))
        except (OSError, ValueError) as e:
            failures.append(f"{name}: no run summary ({e})")
            continue
        summaries[name] = s
        po = s.get("playout", {})
        figures["rooms"][name] = {
            "card_skew_ppm": card_ppm, "clock_skew_ppm": clock_ppm,
            "rate_correction_ppm": po.get("rate_correction_ppm"), "sync_error_us": po.get("sync_error_us"),
            "realigns": po.get("realigns"), "realigns_after_lock": po.get("realigns_after_lock"),
            "initial_alignments": po.get("initial_alignments"),
            "underrun_frames": s.get("underrun_frames"), "device_xruns": s.get("device_xruns"),
            "late_wakeups_absorbed": s.get("late_wakeups"), "xruns": s.get("xruns"),
            "playout_longest_wake_latency_us": po.get("longest_wake_latency_us"),
            "playout_longest_work_us": po.get("longest_work_us"),
            "playout_longest_work_cpu_us": po.get("longest_work_cpu_us"),
            "playout_longest_lock_wait_us": po.get("longest_lock_wait_us"),
            "playout_stalls_past_ring": po.get("stalls_past_ring")}
        print(f"{name}: card {card_ppm:+.0f} ppm, clock {clock_ppm:+.0f} ppm -> correction "
              f"{po.get('rate_correction_ppm', float('nan')):+.2f} ppm, realigns {po.get('realigns')} ({po.get('realigns_after_lock')} after lock), "
              f"underrun frames {s.get('underrun_frames')}, host lateness: {s.get('late_wakeups')} late wake-ups "
              f"absorbed by the card's buffer, {s.get('device_xruns')} past it (device xruns); playout thread: "
              f"longest wake latency {po.get('longest_wake_latency_us', float('nan')):.0f} us, longest work "
              f"{po.get('longest_work_us', float('nan')):.0f} us wall ({po.get('longest_work_cpu_us', float('nan')):.0f} us CPU, "
              f"{po.get('longest_lock_wait_us', float('nan')):.0f} us lock wait), "
              f"{po.get('stalls_past_ring')} host stalls past the ring's lead")
        if not po:
            failures.append(f"{name}: no playout figures in the summary (drift-locked playout did not run)")
            continue
        # Producer underruns are ours; host lateness is the machine's (run_summary.py).
        if producer_fault(s):
            failures.append(f"{name}: " + producer_fault(s))
        # A virtual clock woken a period late resynchronises (a jump of real play
        # time), and a playout thread woken past the ring's lead leaves the card
        # a period of silence: one realign corrects each. More realigns than
        # that are ours.
        if po.get("realigns_after_lock", 0) > host_realigns(s):
            failures.append(f"{name}: {po['realigns_after_lock']} realigns after lock with "
                            f"{s.get('device_xruns', 0)} device xruns (late wake-ups past the card's buffer) and "
                            f"{po.get('stalls_past_ring', 0)} playout wake-ups past the ring's lead")
    failures += link_failures(stream_links, summaries.get(ROOMS[0][0]))
    analysis = f"{work}/sync.json"
    cmd = ["/usr/bin/python3", os.path.join(ROOT, "tests", "integration", "sync_analyser.py"), "--window", "0.5",
           "--json", analysis, "--start-after", str(2 + a.lock_seconds),
           "--assert-p99-us", str(a.assert_p99_us), "--assert-max-us", str(a.assert_max_us)]
    for name, *_ in ROOMS:
        cmd += [f"{work}/{name}.wav", f"{work}/{name}.truth"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    print(r.stdout + r.stderr)
    if r.returncode != 0:
        failures.append(f"sync_analyser exited {r.returncode}")
    try:
        figures["analysis"] = json.load(open(analysis))
    except (OSError, ValueError):
        pass
    if a.json:
        with open(a.json, "w") as f:
            json.dump(figures, f, indent=1)
    if failures:
        print("room_sync_test: FAILED:\n  " + "\n  ".join(failures) + f"\n(files in {work})", file=sys.stderr)
        return 1
    print("room_sync_test: passed")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
