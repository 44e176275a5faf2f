#!/usr/bin/python3
"""What remote playout costs: a remote room's CPU, the bandwidth per room, and
the lowest playout latency L that conceals nothing on loopback.

Starts room-a (plays frontiers.mp3 on deck A) and room-b (plays room-a's
stream) from deploy/mesh.local.toml on virtual devices at real pace, then:
  1. samples room-b's threads from /proc for --seconds: the receive thread
     (cm.rtp-recv), the playout thread (cm.playout, which runs the FEC, the
     jitter buffer and the stream playout) and the whole process, as % of one
     core; and the same for room-a's sender thread (cm.rtp-send);
  2. subscribes a third receiver (this script, a UDP socket) for 10 s and
     counts the bytes of every datagram (payload + FEC; add 28 bytes of
     IPv4/UDP header per datagram for the wire);
  3. with --latency-sweep, restarts the pair at each L and reports concealed
     frames and late packets after --seconds.

Usage: remote_playout_cost.py BUILD_DIR [--seconds 30] [--latency-sweep 20,40,60,80,120] [--no-fec]
       [--codec l24|l16|opus]
Run it in a network namespace of its own to keep clear of other nodes on
the host's loopback: `ip netns add b; ip netns exec b ip link set lo up;
ip netns exec b tests/bench/remote_playout_cost.py build`.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "deploy", "mesh.local.toml")
TICK = os.sysconf("SC_CLK_TCK")


def thread_ticks(pid):
    """{thread name: utime + stime ticks} of every thread of pid (same names summed)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[name] = out.get(name, 0) + int(fields[11]) + int(fields[12])
    return out


def cpu_percent(pid, seconds):
    a, t0 = thread_ticks(pid), time.time()
    time.sleep(seconds)
    b, t1 = thread_ticks(pid), time.time()
    pct = {k: 100.0 * (b[k] - a.get(k, 0)) / TICK / (t1 - t0) for k in b}
    pct["(process)"] = sum(pct.values())
    return pct


class Pair:
    def __init__(self, build, work, latency_ms, fec, codec=""):
        self.build, self.work = build, work
        self.config = os.path.join(work, "mesh.toml")
        text = open(CONFIG).read()
        if not fec:
            text = text.replace('[nodes.room-a]\n', '[nodes.room-a]\nstream_fec = false\n', 1)
        if codec:
            text = text.replace('[nodes.room-a]\n', f'[nodes.room-a]\nstream_codec = "{codec}"\n', 1)
        open(self.config, "w").write(text)
        node = os.path.join(build, "audio_node", "audio_node")
        music = os.path.expanduser("~/.cache/crowdmesh/music/frontiers.mp3")
        self.a = subprocess.Popen([node, "--config", self.config, "--name", "room-a", "--backend", "virtual",
                                   "--a", music, "--loop", "--stream-latency-ms", str(latency_ms)],
                                  stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "room-a.log"), "w"))
        self.b = subprocess.Popen([node, "--config", self.config, "--name", "room-b", "--backend", "virtual"],
                                  stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "room-b.log"), "w"))

    def ctl(self, *args):
        r = subprocess.run([os.path.join(self.build, "control_node", "control_node"), *args],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout + r.stderr

    def start_stream(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            rc, out = self.ctl("--to", "room-b", "play-stream", "room-a")
            if rc == 0:
                return out.strip()
            time.sleep(0.5)
        raise RuntimeError("play-stream failed: " + out)

    def link(self):
        rc, out = self.ctl("--json", "top", "--once")
        for n in json.loads(out)["nodes"]:
            if n["node"] == "room-b" and n.get("streams"):
                return n["streams"][0]
        return None

    def stop(self):
        for p in (self.a, self.b):
            p.send_signal(signal.SIGTERM)
        for p in (self.a, self.b):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def bandwidth(pair, seconds=10.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    rc, out = pair.ctl("--to", "room-a", "subscribe-stream", f"127.0.0.1:{port}", "--lease", str(int(seconds) + 5))
    if rc != 0:
        raise RuntimeError(out)
    s.settimeout(0.5)
    datagrams = payload = 0
    t0 = time.time()
    while time.time() - t0 < seconds:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        datagrams += 1
        payload += len(d)
    pair.ctl("--to", "room-a", "unsubscribe-stream", f"127.0.0.1:{port}")
    return datagrams / seconds, payload * 8 / seconds / 1e6, (payload + 28 * datagrams) * 8 / seconds / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--latency-sweep", default="")
    ap.add_argument("--no-fec", action="store_true")
    ap.add_argument("--codec", default="", help="room-a's stream_codec: l24 (default), l16, opus")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="crowdmesh-rp-")
    fec = not a.no_fec
    pair = Pair(a.build, work, 120, fec, a.codec)
    try:
        time.sleep(2)
        print(pair.start_stream())
        time.sleep(3)
        b = cpu_percent(pair.b.pid, a.seconds)
        src = thread_ticks(pair.a.pid)
        print(f"room-b (remote room) over {a.seconds:.0f} s, % of one core: process {b['(process)']:.2f}, "
              + ", ".join(f"{k} {v:.2f}" for k, v in sorted(b.items(), key=lambda kv: -kv[1])[:8] if k != "(process)"))
        rate, mbit_payload, mbit_wire = bandwidth(pair)
        print(f"bandwidth per room ({'FEC 24+24' if fec else 'no FEC'}): {rate:.0f} datagrams/s, "
              f"{mbit_payload:.2f} Mb/s of UDP payload, {mbit_wire:.2f} Mb/s with IPv4/UDP headers")
        link = pair.link()
        print("room-b link:", json.dumps(link))
    finally:
        pair.stop()
    for latency in [int(x) for x in a.latency_sweep.split(",") if x]:
        pair = Pair(a.build, work, latency, fec, a.codec)
        try:
            time.sleep(2)
            pair.start_stream()
            time.sleep(a.seconds)
            link = pair.link() or {}
            print(f"L = {latency} ms: {link.get('concealed_frames')} frames concealed, {link.get('late_packets')} late "
                  f"packets, {link.get('packets_lost')} lost, jitter {link.get('jitter_ms', 0):.2f} ms, "
                  f"buffer {link.get('buffer_frames')} frames")
        finally:
            pair.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
