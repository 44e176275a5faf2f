#!/usr/bin/python3
"""Remote playout over a lossy link: two rooms in two network namespaces.

room-a and room-b each run in their own network namespace, joined by a veth
pair (10.77.X.1 and 10.77.X.2). room-a plays frontiers.mp3; room-b plays
room-a's mix received as RTP over UDP (control_node play-stream), with
Reed-Solomon FEC on the same port. In room-b's namespace an nftables rule
drops the given percentage of the datagrams arriving on room-b's stream port,
at random; a second rule counts every datagram that arrives there, so the
firewall's own figures sit beside the link figures room-b reports.

With --jitter-ms J > 0, a seeded UDP relay (udp_relay.py) runs in room-a's
namespace and an nftables NAT rule there (output hook) redirects room-a's
stream datagrams to it; the relay forwards each to room-b after a random delay
of 0..J ms (so datagrams reorder when their delays cross) and duplicates
--duplicate-percent of them. Its datagrams carry mark 0x77, which the NAT rule
leaves alone, and leave from room-a's address, which room-b accepts. The loss
rule in room-b's namespace is unchanged (it drops relayed copies too).

Asserts (what the product controls): room-b receives; its measured loss is
the loss applied, within the tolerance; FEC recovered packets (when there is
loss); concealed frames / frames played stay under the ratio given; room-b has
zero producer underrun frames (host lateness reported separately, as in
room_sync_test.py); room-b's recording (what its card played) is not silent,
and how many 50 ms windows of it are is reported. With the relay, also: at
most --assert-max-late-packets late packets (by default 0 when J is at most
half of the latency left after the FEC block, (L - 48 ms) / 2, else not
asserted), and room-b's duplicate_packets at least half of what the relay's
duplicates of source packets should leave after the loss (both copies kept:
(1 - loss)^2). The expected loss is then the loss applied less the duplicates
that arrived (RFC 3550 counts them as received): loss - D (1 - loss).
The relay is a normal-priority process: an original it held past
max(J, (L - 48 ms) / 2) after its arrival (the kernel's timestamp) was
delayed by the host, not by the drawn jitter. Each such datagram raises the
late-packet bound by one and the concealed-frame bound by one packet (2 ms),
and is reported as host lateness.

Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN), `ip` (iproute2) and `nft`
(nftables): without them it prints "SKIP: <reason>" and exits 77.

Usage: netns_loss_test.py BUILD_DIR [--seconds 60] [--loss-percent 20]
       [--assert-loss-tolerance 3] [--assert-max-concealed-ratio 1e-4] [--keep DIR] [--json OUT]
       [--jitter-ms 0] [--duplicate-percent 0] [--seed 1] [--assert-max-late-packets N]
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

from run_summary import host_lateness, producer_fault

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = 77
A_PORT = 7700
B_PORT = 7710
B_STREAM_PORT = B_PORT + 4  # room-b's stream_port default: its control port + 4
RELAY_PORT = 7790  # in room-a's namespace only (its own loopback)
RELAY_MARK = 0x77  # on the relay's datagrams: the NAT rule leaves them alone
FEC_BLOCK_MS = 48  # K = 24 source packets of 2 ms (netaudio/fec_config.hpp)
PACKET_MS = 2      # one source packet's audio
STREAM_LATENCY_MS = 120  # the stream's default latency (the config sets none)


def music_dir():
    d = os.environ.get("CROWDMESH_MUSIC_DIR") or os.path.expanduser("~/.cache/crowdmesh/music")
    return d if os.path.exists(os.path.join(d, "frontiers.mp3")) else ""


def shared_tables():
    """The [mesh] and [movement_bpm] tables of deploy/mesh.local.toml (every node of
    a mesh needs the same), i.e. its text up to the first [nodes.*] table."""
    text = open(os.path.join(ROOT, "deploy", "mesh.local.toml")).read()
    lines = []
    for line in text.splitlines():
        if line.startswith("[nodes."):
            break
        lines.append(line)
    while lines and (not lines[-1].strip() or lines[-1].startswith("#")):
        lines.pop()
    return "\n".join(lines) + "\n"


def mesh_config(a_addr, b_addr):
    device = 'backend = "virtual"\nsample_rate = 48000\nbuffer_size = 256\nchannels = 2\n'
    return (shared_tables() +
            f'\n# room-a: clock reference and tempo node; no OSC (no UDP 57122 needed).\n'
            f'[nodes.room-a]\nroles = ["device", "mixer", "stretch", "tempo", "telemetry"]\n'
            f'control = "tcp://{a_addr}:{A_PORT}"\n\n[nodes.room-a.device]\n{device}'
            f'\n# room-b: plays room-a\'s stream, received on UDP {B_STREAM_PORT} (control port + 4).\n'
            f'[nodes.room-b]\nroles = ["device", "mixer", "stretch", "telemetry"]\n'
            f'control = "tcp://{b_addr}:{B_PORT}"\n\n[nodes.room-b.device]\n{device}')


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def nft_ruleset(loss_percent):
    drop = (f"    udp dport {B_STREAM_PORT} numgen random mod 100 < {loss_percent} counter drop\n"
            if loss_percent > 0 else "")
    return ("table inet cmloss {\n  chain input {\n"
            "    type filter hook input priority 0; policy accept;\n"
            f"    udp dport {B_STREAM_PORT} counter\n{drop}  }}\n}}\n")


def nft_relay_ruleset(b_addr):
    """room-a's stream datagrams to room-b (not the relay's own, marked) go to
    the relay on room-a's loopback instead."""
    return ("table ip cmrelay {\n  chain out {\n"
            "    type nat hook output priority -100; policy accept;\n"
            f"    meta mark != {RELAY_MARK:#x} ip daddr {b_addr} udp dport {B_STREAM_PORT} "
            f"counter redirect to :{RELAY_PORT}\n  }}\n}}\n")


def nft_redirected(ns):
    """Flows the NAT rule in room-a's namespace redirected to the relay (NAT sees
    a flow's first datagram only: conntrack maps the others)."""
    r = run(["ip", "netns", "exec", ns, "nft", "-j", "list", "table", "ip", "cmrelay"])
    try:
        for item in json.loads(r.stdout)["nftables"]:
            rule = item.get("rule")
            if rule:
                return next(e["counter"]["packets"] for e in rule["expr"] if "counter" in e)
    except (ValueError, KeyError, TypeError, StopIteration):
        pass
    return None


def nft_counters(ns):
    """(datagrams arriving at room-b's stream port, datagrams dropped) from the
    two rules' counters in room-b's namespace."""
    r = run(["ip", "netns", "exec", ns, "nft", "-j", "list", "table", "inet", "cmloss"])
    counted = []
    try:
        for item in json.loads(r.stdout)["nftables"]:
            rule = item.get("rule")
            if not rule:
                continue
            packets = next((e["counter"]["packets"] for e in rule["expr"] if "counter" in e), None)
            dropped = any("drop" in e for e in rule["expr"])
            counted.append((packets, dropped))
    except (ValueError, KeyError, TypeError, StopIteration):
        return None, None
    arrived = next((p for p, d in counted if not d), None)
    dropped = next((p for p, d in counted if d), 0)
    return arrived, dropped


def recording_figures(path):
    """What room-b's card played (its --record WAV): seconds from the first sound
    to the last (the silence after room-a stops at teardown is not counted), their
    RMS (dBFS) and how many 50 ms windows among them are silent (a gap the link
    figures would have to explain). None if unreadable."""
    try:
        import numpy as np
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from sync_analyser import read_wav
        rate, mono = read_wav(path)
    except Exception as e:  # noqa: BLE001 - reported, not fatal: numpy or the file may be missing
        print(f"netns_loss_test: cannot read {path}: {e}", file=sys.stderr)
        return None
    sound = np.flatnonzero(np.abs(mono) > 1e-4)
    if sound.size == 0:
        return {"audible_seconds": 0.0, "rms_dbfs": None, "silent_50ms_windows": None}
    played = mono[sound[0]:sound[-1] + 1]
    win = rate // 20
    windows = played[:len(played) // win * win].reshape(-1, win)
    rms = float(np.sqrt(np.mean(np.square(played, dtype=np.float64))))
    return {"audible_seconds": len(played) / rate, "rms_dbfs": 20 * np.log10(max(rms, 1e-12)),
            "silent_50ms_windows": int(np.count_nonzero(np.max(np.abs(windows), axis=1) <= 1e-4))}


def check_relayed_link(a, link, relay_counters, failures):
    """What the relay's jitter, reordering and duplicates must leave on room-b's
    link: no late packet while J is well inside the latency, and at least half
    the duplicates that should reach it (the link has no reordered counter: the
    relay's is reported)."""
    latency = link.get("latency_ms") or STREAM_LATENCY_MS
    late = link.get("late_packets", 0)
    bound = a.assert_max_late_packets
    if bound < 0:
        bound = 0 if a.jitter_ms <= (latency - FEC_BLOCK_MS) / 2 else None
    # The relay is the host's: an original it held past (L - 48 ms) / 2 was
    # delayed by the machine, not by the drawn jitter; each may be one late
    # packet, excused and reported as host lateness.
    held_over = (relay_counters or {}).get("held_over", 0)
    if bound is not None and held_over:
        print(f"host lateness: the relay held {held_over} datagram(s) past "
              f"{relay_counters.get('held_over_limit_ms'):g} ms (it read them up to "
              f"{relay_counters.get('receive_late_ms_max', 0):.1f} ms after they arrived): "
              f"up to {held_over} late packet(s) excused")
        bound += held_over
    dup_bound = None
    if relay_counters and relay_counters.get("received"):
        # The relay duplicates repair datagrams too; the share of sources is
        # room-b's packets expected over the datagrams the relay received.
        share = min(1.0, link.get("packets_expected", 0) / relay_counters["received"])
        kept = (1 - a.loss_percent / 100) ** 2
        dup_bound = int(0.5 * relay_counters["duplicated"] * share * kept)
    print(f"room-b, relayed with jitter 0..{a.jitter_ms:g} ms and {a.duplicate_percent:g} % duplicates "
          f"(latency {latency} ms): {late} late packets ({'at most ' + str(bound) if bound is not None else 'not asserted'}), "
          f"{link.get('duplicate_packets')} duplicates (at least {dup_bound}), "
          f"{relay_counters.get('reordered') if relay_counters else None} reordered by the relay, "
          f"{link.get('foreign_packets')} foreign, jitter {link.get('jitter_ms', 0):.2f} ms")
    if bound is not None and late > bound:
        failures.append(f"room-b: {late} late packets > {bound} with jitter 0..{a.jitter_ms:g} ms "
                        f"(latency {latency} ms)")
    if dup_bound is not None and a.duplicate_percent > 0 and link.get("duplicate_packets", 0) < dup_bound:
        failures.append(f"room-b: {link.get('duplicate_packets')} duplicate packets < {dup_bound} "
                        f"(the relay duplicated {relay_counters['duplicated']} datagrams)")


def skip(reason, work=""):
    print(f"SKIP: {reason}")
    if work:
        shutil.rmtree(work, ignore_errors=True)
    return SKIP


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seconds", type=float, default=60.0, help="stream played before the figures are read")
    ap.add_argument("--loss-percent", type=int, default=20, help="datagrams dropped at random on room-b's stream port (0..99)")
    ap.add_argument("--assert-loss-tolerance", type=float, default=3.0, help="measured loss_percent within loss +- this")
    ap.add_argument("--assert-max-concealed-ratio", type=float, default=1e-4, help="concealed_frames / frames_played at most")
    ap.add_argument("--keep", default="", help="work directory kept after the run (config, logs, recording, summaries)")
    ap.add_argument("--json", default="", help="write the figures to this file")
    ap.add_argument("--jitter-ms", type=float, default=0.0,
                    help="relay room-a's datagrams with a uniform random delay of 0..J ms (0: no relay)")
    ap.add_argument("--duplicate-percent", type=float, default=0.0,
                    help="with the relay: datagrams it also sends a second time, %%")
    ap.add_argument("--seed", type=int, default=1, help="the relay's random seed (delays and duplicates)")
    ap.add_argument("--assert-max-late-packets", type=int, default=-1,
                    help="with the relay: room-b's late_packets at most this (-1: 0 when J <= (L - 48 ms) / 2, "
                         "else not asserted)")
    a = ap.parse_args()
    if not 0 <= a.loss_percent <= 99:
        ap.error("--loss-percent must be 0..99")
    if a.jitter_ms < 0:
        ap.error("--jitter-ms must be >= 0")
    if not 0 <= a.duplicate_percent <= 100:
        ap.error("--duplicate-percent must be 0..100")
    if a.duplicate_percent > 0 and a.jitter_ms <= 0:
        ap.error("--duplicate-percent needs the relay (--jitter-ms > 0)")
    node_bin = os.path.join(a.build, "audio_node", "audio_node")
    ctl_bin = os.path.join(a.build, "control_node", "control_node")
    music = music_dir()
    if not music:
        print("netns_loss_test: no demo music (run deploy/fetch-demo-music.sh)", file=sys.stderr)
        return 2
    for tool, package in (("ip", "iproute2"), ("nft", "nftables")):
        if not shutil.which(tool):
            return skip(f"'{tool}' not found (install {package}: deploy/install-deps.sh)")

    pid = os.getpid()
    ns_a, ns_b = f"cm-a-{pid}", f"cm-b-{pid}"
    veth_a, veth_b = f"cma{pid}"[:15], f"cmb{pid}"[:15]
    x = pid % 250 + 1
    a_addr, b_addr = f"10.77.{x}.1", f"10.77.{x}.2"
    work = a.keep or tempfile.mkdtemp(prefix="crowdmesh-netns-")
    os.makedirs(work, exist_ok=True)
    scratch = "" if a.keep else work  # removed on a skip
    namespaces = []
    procs = {}
    failures = []
    link = None
    arrived = dropped = None
    relay = None
    relay_counters = None
    redirected = None
    try:
        r = run(["ip", "netns", "add", ns_a])
        if r.returncode != 0:
            return skip(f"'ip netns add {ns_a}' failed: {(r.stderr or r.stdout).strip()}", scratch)
        namespaces.append(ns_a)
        r = run(["ip", "netns", "add", ns_b])
        if r.returncode != 0:
            return skip(f"'ip netns add {ns_b}' failed: {(r.stderr or r.stdout).strip()}", scratch)
        namespaces.append(ns_b)
        setup = [
            ["ip", "link", "add", veth_a, "netns", ns_a, "type", "veth", "peer", "name", veth_b, "netns", ns_b],
            ["ip", "-n", ns_a, "addr", "add", f"{a_addr}/24", "dev", veth_a],
            ["ip", "-n", ns_b, "addr", "add", f"{b_addr}/24", "dev", veth_b],
            ["ip", "-n", ns_a, "link", "set", "lo", "up"],
            ["ip", "-n", ns_b, "link", "set", "lo", "up"],
            ["ip", "-n", ns_a, "link", "set", veth_a, "up"],
            ["ip", "-n", ns_b, "link", "set", veth_b, "up"],
        ]
        for cmd in setup:
            r = run(cmd)
            if r.returncode != 0:
                return skip(f"'{' '.join(cmd)}' failed: {(r.stderr or r.stdout).strip()}", scratch)
        rules = nft_ruleset(a.loss_percent)
        with open(os.path.join(work, "loss.nft"), "w") as f:
            f.write(rules)
        r = run(["ip", "netns", "exec", ns_b, "nft", "-f", "-"], input=rules)
        if r.returncode != 0:
            return skip(f"nft could not load the loss rule in {ns_b}: {(r.stderr or r.stdout).strip()}", scratch)
        r = run(["ip", "netns", "exec", ns_a, "ping", "-c", "1", "-W", "2", b_addr]) if shutil.which("ping") else None
        if r is not None and r.returncode != 0:
            print(f"netns_loss_test: {a_addr} cannot reach {b_addr} over the veth pair:\n{r.stdout}{r.stderr}",
                  file=sys.stderr)
            return 1
        if a.jitter_ms > 0:
            relay_args = ["ip", "netns", "exec", ns_a, "/usr/bin/python3",
                          os.path.join(os.path.dirname(os.path.abspath(__file__)), "udp_relay.py"),
                          "--listen", f"127.0.0.1:{RELAY_PORT}", "--to", f"{b_addr}:{B_STREAM_PORT}",
                          "--jitter-ms", f"{a.jitter_ms:g}", "--duplicate-percent", f"{a.duplicate_percent:g}",
                          "--seed", str(a.seed), "--mark", f"{RELAY_MARK:#x}",
                          "--count-held-over-ms", f"{max(a.jitter_ms, (STREAM_LATENCY_MS - FEC_BLOCK_MS) / 2):g}",
                          "--stats-json", f"{work}/relay.json"]
            print(" ".join(relay_args[4:]))
            relay = subprocess.Popen(relay_args, stdout=subprocess.PIPE, stderr=open(f"{work}/relay.log", "w"),
                                     text=True)
            line = relay.stdout.readline()  # its first line says it listens; '' if it died
            if not line:
                relay.wait()
                print(f"netns_loss_test: the relay did not start (rc {relay.returncode}, {work}/relay.log)",
                      file=sys.stderr)
                return 1
            print(line.strip())
            rules = nft_relay_ruleset(b_addr)
            with open(os.path.join(work, "relay.nft"), "w") as f:
                f.write(rules)
            r = run(["ip", "netns", "exec", ns_a, "nft", "-f", "-"], input=rules)
            if r.returncode != 0:
                return skip(f"nft could not load the NAT redirect to the relay in {ns_a}: "
                            f"{(r.stderr or r.stdout).strip()}", scratch)

        config = os.path.join(work, "mesh.toml")
        with open(config, "w") as f:
            f.write(mesh_config(a_addr, b_addr))
        for name, ns in (("room-a", ns_a), ("room-b", ns_b)):
            args = ["ip", "netns", "exec", ns, node_bin, "--config", config, "--name", name,
                    "--backend", "virtual", "--summary-json", f"{work}/{name}.json"]
            if name == "room-b":
                args += ["--record", f"{work}/{name}.wav"]
            # ip netns exec execs the node: the pid is audio_node's own.
            procs[name] = subprocess.Popen(args, stdout=open(f"{work}/{name}.out", "w"),
                                           stderr=open(f"{work}/{name}.log", "w"))

        def ctl(*args, timeout=40):
            r = subprocess.run(["ip", "netns", "exec", ns_a, ctl_bin, "--connect", f"tcp://{a_addr}:{A_PORT}", *args],
                               capture_output=True, text=True, timeout=timeout)
            return r.returncode, r.stdout + r.stderr

        deadline = time.time() + 20
        out = ""
        while time.time() < deadline:
            dead = [n for n, p in procs.items() if p.poll() is not None]
            if dead:
                print(f"netns_loss_test: {', '.join(dead)} exited early (logs in {work})", file=sys.stderr)
                return 1
            rc, out = ctl("--json", "nodes")
            try:
                nodes = json.loads(out)["ok"]["nodes"]["nodes"]
                if len([n for n in nodes if n.get("alive")]) == 2:
                    break
            except (ValueError, KeyError, TypeError):
                pass
            time.sleep(0.2)
        else:
            print("netns_loss_test: the two nodes did not come up:\n" + out, file=sys.stderr)
            return 1
        for args in (("--to", "room-a", "load", "A", os.path.join(music, "frontiers.mp3"), "--loop"),
                     ("--to", "room-a", "start", "A", "--in", "1"),
                     ("--to", "room-b", "play-stream", "room-a")):
            rc, out = ctl(*args)
            print(out.strip())
            if rc != 0:
                print(f"netns_loss_test: '{' '.join(args)}' failed:\n" + out, file=sys.stderr)
                return 1
        time.sleep(a.seconds)
        deadline = time.time() + 15
        while time.time() < deadline:
            rc, out = ctl("--json", "top", "--once")
            try:
                nodes = {n["node"]: n for n in json.loads(out)["nodes"]}
                links = [s for s in nodes["room-b"].get("streams") or [] if s.get("stream_id") == "room-a/master"]
                if links:
                    link = links[0]
                    break
            except (ValueError, KeyError, TypeError):
                pass
            time.sleep(1)
        if relay is not None:
            # Its counters as close to the link figures as can be: stop it now.
            redirected = nft_redirected(ns_a)
            relay.send_signal(signal.SIGTERM)
            try:
                relay.wait(timeout=10)
                relay_counters = json.load(open(f"{work}/relay.json"))
            except (subprocess.TimeoutExpired, OSError, ValueError) as e:
                failures.append(f"relay: no counters ({e})")
        arrived, dropped = nft_counters(ns_b)
    finally:
        if relay is not None and relay.poll() is None:
            relay.kill()
            relay.wait()
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for ns in namespaces:  # the veth pair goes with them
            r = run(["ip", "netns", "del", ns])
            if r.returncode != 0:
                print(f"netns_loss_test: could not delete {ns}: {r.stderr.strip()}", file=sys.stderr)

    figures = {"loss_applied_percent": a.loss_percent, "seconds": a.seconds,
               "firewall": {"datagrams_arrived": arrived, "datagrams_dropped": dropped}, "link": link}
    if relay is not None:
        figures["relay"] = {"jitter_ms": a.jitter_ms, "duplicate_percent": a.duplicate_percent, "seed": a.seed,
                            "redirected": redirected, "counters": relay_counters}
        if relay_counters:
            rc_ = relay_counters
            print(f"relay (room-a's namespace): {redirected} flow(s) redirected to it, {rc_['received']} datagrams received, "
                  f"{rc_['forwarded']} forwarded ({rc_['delayed']} delayed 0..{a.jitter_ms:g} ms, "
                  f"{rc_['reordered']} reordered, {rc_['duplicated']} duplicated, {rc_['send_errors']} send errors{' (' + rc_['first_send_error'] + ')' if rc_.get('first_send_error') else ''}; "
                  f"sent up to {rc_['max_send_late_ms']:.2f} ms after due, {rc_['mean_send_late_ms']:.3f} ms mean, "
                  f"read up to {rc_.get('receive_late_ms_max', 0):.2f} ms after arrival, "
                  f"{rc_.get('held_over', 0)} held past {rc_.get('held_over_limit_ms')} ms)")
    if arrived:
        print(f"firewall (room-b's namespace, UDP {B_STREAM_PORT}): {dropped} of {arrived} datagrams dropped "
              f"({100.0 * (dropped or 0) / arrived:.2f} %, {a.loss_percent} % applied)")
    if link is None:
        failures.append("room-b: no room-a/master stream link in its telemetry (top)")
    else:
        expected = link.get("packets_expected", 0)
        frames = link.get("frames_played", 0)
        concealed = link.get("concealed_frames", 0)
        ratio = concealed / frames if frames else float("inf")
        figures["concealed_ratio"] = ratio
        print(f"room-b <= room-a/master, {a.loss_percent} % dropped at random: loss {link.get('loss_percent', 0):.2f} % "
              f"({link.get('packets_lost')} of {expected} packets; last 10 s {link.get('loss_percent_10s', 0):.2f} %), "
              f"{link.get('recovered_packets')} recovered by FEC, {concealed} of {frames} frames concealed "
              f"(ratio {ratio:.2e}), {link.get('late_packets')} late, jitter {link.get('jitter_ms', 0):.2f} ms, "
              f"buffer {link.get('buffer_frames')} frames, receiving {link.get('receiving')}")
        if not link.get("receiving") or expected == 0:
            failures.append(f"room-b: not receiving room-a/master (receiving {link.get('receiving')}, "
                            f"{expected} packets expected)")
        # RFC 3550 counts a duplicate as received: D % duplicated before the
        # loss leaves loss - D (1 - loss) measured.
        centre = a.loss_percent - (a.duplicate_percent if relay is not None else 0.0) * (1 - a.loss_percent / 100)
        lo, hi = centre - a.assert_loss_tolerance, centre + a.assert_loss_tolerance
        if not lo <= link.get("loss_percent", -1) <= hi:
            failures.append(f"room-b: loss_percent {link.get('loss_percent')} outside {lo:g}..{hi:g} "
                            f"({a.loss_percent} % applied" +
                            (f", {a.duplicate_percent:g} % duplicated)" if relay is not None else ")"))
        # Each datagram the relay (the host) held too long may be concealed:
        # one packet of frames each, excused (check_relayed_link reports them).
        held_over = (relay_counters or {}).get("held_over", 0) if relay is not None else 0
        excused = held_over * PACKET_MS * (link.get("sample_rate_hz") or 48000) // 1000
        if concealed > a.assert_max_concealed_ratio * frames + excused:
            failures.append(f"room-b: {concealed} of {frames} frames concealed, ratio {ratio:.2e} > "
                            f"{a.assert_max_concealed_ratio:g}" +
                            (f" (+ {excused} frames excused for {held_over} datagrams the relay held too long)"
                             if excused else ""))
        if a.loss_percent > 0 and not link.get("recovered_packets", 0) > 0:
            failures.append(f"room-b: no packet recovered by FEC with {a.loss_percent} % loss")
        if relay is not None:
            check_relayed_link(a, link, relay_counters, failures)

    rec = recording_figures(f"{work}/room-b.wav")
    figures["room-b_recording"] = rec
    if rec is not None:
        if rec["audible_seconds"] == 0:
            failures.append("room-b: its recording is silent (nothing of room-a's stream reached its card)")
        else:
            print(f"room-b's recording: {rec['audible_seconds']:.1f} s from the first sound to the last, RMS "
                  f"{rec['rms_dbfs']:.1f} dBFS, {rec['silent_50ms_windows']} silent 50 ms windows")
    for name in ("room-a", "room-b"):
        try:
            s = json.load(open(f"{work}/{name}.json"))
        except (OSError, ValueError) as e:
            failures.append(f"{name}: no run summary ({e})")
            continue
        po = s.get("playout", {})
        figures[name] = {"underrun_frames": s.get("underrun_frames"), "device_xruns": s.get("device_xruns"),
                         "late_wakeups_absorbed": s.get("late_wakeups"),
                         "playout_stalls_past_ring": po.get("stalls_past_ring")}
        print(f"{name}: " + host_lateness(s))
        # Producer underruns are ours; host lateness is the machine's (run_summary.py).
        if name == "room-b" and producer_fault(s):
            failures.append(f"{name}: " + producer_fault(s))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(figures, f, indent=1)
    if failures:
        print("netns_loss_test: FAILED:\n  " + "\n  ".join(failures) + f"\n(files in {work})", file=sys.stderr)
        return 1
    print("netns_loss_test: passed")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
