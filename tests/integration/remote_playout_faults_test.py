#!/usr/bin/python3
"""Remote playout under bad input and faults (docs/PROTOCOL.md, "RTP audio stream").

room-a plays frontiers.mp3; room-b plays room-a's stream (deploy/mesh.local.toml,
virtual devices at real pace). Then:
  1. garbage, truncated, oversize datagrams and replays of a real packet are sent
     to room-b's stream port: they are counted (foreign, duplicate or late) and
     never played (no frame concealed, no producer underrun, still receiving);
  2. room-a is killed (SIGKILL): room-b reports the stream down (event and
     telemetry) and keeps running;
  3. room-a starts again (a new epoch): room-b re-joins it by itself and
     receives again within the bound given.

Usage: remote_playout_faults_test.py BUILD_DIR [--rejoin-seconds 3] [--keep DIR]
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from run_summary import host_lateness, producer_fault

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "deploy", "mesh.local.toml")
STREAM_PORT_B = 7714  # room-b's control port 7710 + 4


class Cluster:
    def __init__(self, build, work):
        self.build, self.work, self.procs = build, work, {}
        self.music = os.path.expanduser("~/.cache/crowdmesh/music/frontiers.mp3")

    def start(self, name, *extra):
        args = [os.path.join(self.build, "audio_node", "audio_node"), "--config", CONFIG, "--name", name,
                "--backend", "virtual", "--summary-json", os.path.join(self.work, f"{name}.json"), *extra]
        log = open(os.path.join(self.work, f"{name}.log"), "a")
        self.procs[name] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log)
        return time.time()

    def ctl(self, *args):
        r = subprocess.run([os.path.join(self.build, "control_node", "control_node"), *args],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout + r.stderr

    def link(self, node="room-b"):
        rc, out = self.ctl("--connect", "tcp://127.0.0.1:7710", "--json", "top", "--once")
        try:
            for n in json.loads(out)["nodes"]:
                if n["node"] == node and n.get("streams"):
                    return n["streams"][0]
        except (ValueError, KeyError):
            pass
        return None

    def wait_link(self, pred, seconds):
        deadline = time.time() + seconds
        link = None
        while time.time() < deadline:
            link = self.link()
            if link and pred(link):
                return link, True
            time.sleep(0.25)
        return link, False

    def log(self, name):
        return open(os.path.join(self.work, f"{name}.log")).read()

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def capture_one_packet(c):
    """A real datagram of room-a's stream, through a third-party subscription."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(2.0)
    port = s.getsockname()[1]
    c.ctl("--to", "room-a", "subscribe-stream", f"127.0.0.1:{port}", "--lease", "2")
    try:
        packet = s.recv(2048)
    finally:
        c.ctl("--to", "room-a", "unsubscribe-stream", f"127.0.0.1:{port}")
        s.close()
    return packet


def send_bad_input(packet):
    rnd = random.Random(7)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dest = ("127.0.0.1", STREAM_PORT_B)
    sent = {"garbage": 0, "truncated": 0, "oversize": 0, "replayed": 0, "wrong_payload": 0}
    for _ in range(500):
        s.sendto(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 1400))), dest)
        sent["garbage"] += 1
    for n in range(300):
        s.sendto(packet[: 1 + n % (len(packet) - 1)], dest)
        sent["truncated"] += 1
    for _ in range(100):
        s.sendto(b"\x80" * 4000, dest)
        sent["oversize"] += 1
    wrong = bytearray(packet)
    wrong[1] = (wrong[1] & 0x80) | 33  # another payload type
    for _ in range(100):
        s.sendto(bytes(wrong), dest)
        sent["wrong_payload"] += 1
    for _ in range(100):
        s.sendto(packet, dest)
        sent["replayed"] += 1
        time.sleep(0.001)
    return sent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rejoin-seconds", type=float, default=3.0,
                    help="from room-a's restart to room-b receiving again (renewal every 0.5 s + start-up)")
    ap.add_argument("--keep", default="")
    a = ap.parse_args()
    if not os.path.exists(os.path.expanduser("~/.cache/crowdmesh/music/frontiers.mp3")):
        print("remote_playout_faults_test: no asc-music (run deploy/fetch-demo-music.sh)", file=sys.stderr)
        return 2
    work = a.keep or tempfile.mkdtemp(prefix="crowdmesh-rpf-")
    os.makedirs(work, exist_ok=True)
    c = Cluster(a.build, work)
    failures = []
    try:
        c.start("room-a", "--a", c.music, "--loop")
        c.start("room-b")
        deadline = time.time() + 20
        while time.time() < deadline and c.ctl("--to", "room-b", "play-stream", "room-a")[0] != 0:
            time.sleep(0.5)
        before, ok = c.wait_link(lambda l: l["receiving"] and l["frames_played"] > 48000, 15)
        if not ok:
            failures.append(f"room-b does not receive room-a/master: {before}")
            raise RuntimeError
        print(f"receiving: {before['packets_received']} packets, {before['concealed_frames']} concealed")

        # 1. Bad input.
        packet = capture_one_packet(c)
        sent = send_bad_input(packet)
        time.sleep(2.5)
        after = c.link()
        dropped = (after["foreign_packets"] - before["foreign_packets"]) + \
                  (after["duplicate_packets"] - before["duplicate_packets"]) + \
                  (after["late_packets"] - before["late_packets"])
        print(f"bad input sent {sent}: counted {dropped} (foreign {after['foreign_packets']}, duplicate "
              f"{after['duplicate_packets']}, late {after['late_packets']}); concealed {after['concealed_frames']}")
        if dropped < sum(sent.values()):
            failures.append(f"{sum(sent.values())} bad datagrams sent, {dropped} counted as dropped")
        if after["concealed_frames"] != 0:
            failures.append(f"{after['concealed_frames']} frames concealed after bad input (expected 0)")
        if not after["receiving"]:
            failures.append("room-b stopped receiving after bad input")

        # 2. The source disappears.
        c.procs["room-a"].send_signal(signal.SIGKILL)
        c.procs["room-a"].wait()
        killed = time.time()
        down, ok = c.wait_link(lambda l: not l["receiving"], 5)
        print(f"room-a killed: room-b reports receiving={down and down['receiving']} after {time.time() - killed:.1f} s")
        if not ok:
            failures.append("room-b still reports the stream as receiving 5 s after room-a was killed")
        if "no packet for 1 s" not in c.log("room-b"):
            failures.append("room-b logged no stream.down event")
        if c.procs["room-b"].poll() is not None:
            failures.append("room-b exited when its source disappeared")

        # 3. The source returns (a new epoch); room-b re-joins by itself.
        epoch_resets = down["epoch_resets"] if down else 0
        restarted = c.start("room-a")
        up, ok = c.wait_link(lambda l: l["receiving"] and l["epoch_resets"] > epoch_resets, a.rejoin_seconds + 10)
        rejoin = time.time() - restarted
        print(f"room-a restarted: room-b receives its new epoch {rejoin:.1f} s after the restart")
        if not ok:
            failures.append(f"room-b did not re-join the restarted room-a within {a.rejoin_seconds + 10:.0f} s")
        elif rejoin > a.rejoin_seconds:
            failures.append(f"room-b re-joined {rejoin:.1f} s after room-a restarted (bound {a.rejoin_seconds} s)")
        rc, out = c.ctl("--to", "room-b", "stop-stream")
        if rc != 0:
            failures.append("stop-stream failed: " + out)
    except RuntimeError:
        pass
    finally:
        c.stop_all()
    try:
        s = json.load(open(os.path.join(work, "room-b.json")))
        print("room-b: " + host_lateness(s))
        failure = producer_fault(s)
        if failure:
            failures.append("room-b: " + failure)
    except (OSError, ValueError) as e:
        failures.append(f"room-b: no run summary ({e})")
    if failures:
        print("remote_playout_faults_test: FAILED:\n  " + "\n  ".join(failures) + f"\n(files in {work})",
              file=sys.stderr)
        return 1
    print("remote_playout_faults_test: passed")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
