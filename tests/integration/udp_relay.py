#!/usr/bin/python3
"""A small seeded UDP relay: jitter, reordering and duplication for tests.

Listens on a UDP port and forwards every datagram to one fixed destination
after a random delay, uniform in 0..J ms, drawn from random.Random(seed): a
datagram held longer than the next one's delay plus their spacing leaves after
it, so datagrams reorder on their own when their delays cross. Optionally
duplicates a percentage of them (the copy gets its own delay). Nothing is
dropped: loss is left to the firewall.

One thread: a heap of (due time, sequence, data); the relay sleeps in
select() until the next due time or the next datagram, whichever is first.
Its datagrams can carry a socket mark (SO_MARK, needs CAP_NET_ADMIN) so that
an nftables rule redirecting traffic to the relay can leave them alone.

Counters (printed as one JSON line on SIGTERM / SIGINT, and written to
--stats-json): received, forwarded (every datagram sent, copies included),
delayed (sent with a delay > 0), reordered (originals sent after an original
received later), duplicated (copies made), send_errors, and how late the
sends were against their due times (max and mean, ms).

The relay is a test tool at normal priority, so the host can make it late.
Its delays count from each datagram's arrival as the kernel stamped it
(SO_TIMESTAMPNS), so a relay that was not scheduled in time to read a
datagram sends it late and says so: receive_late_ms_max is how long the
longest-waiting datagram sat in the socket, max_send_late_ms includes it.
With held_over_ms (--count-held-over-ms H), held_over counts the originals
that left more than H ms after they arrived: the datagrams whose lateness is
the host's, not the drawn jitter's, when H is above J (a test excuses those,
one late packet each, and reports them as host lateness).

Usage as a module:
    relay = UdpRelay(("127.0.0.1", 7790), ("10.77.1.2", 7714), jitter_ms=20,
                     duplicate_percent=2, seed=1, mark=0x77)
    relay.serve_forever()   # or relay.start() / relay.stop() (a thread)
    relay.counters()
"""
import argparse
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time

SO_MARK = getattr(socket, "SO_MARK", 36)
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux: struct timespec, CLOCK_REALTIME


class UdpRelay:
    def __init__(self, listen, destination, jitter_ms=0.0, duplicate_percent=0.0, seed=0, mark=0,
                 max_datagram=65535, held_over_ms=None):
        if jitter_ms < 0:
            raise ValueError("jitter_ms must be >= 0")
        if not 0 <= duplicate_percent <= 100:
            raise ValueError("duplicate_percent must be 0..100")
        self.destination = destination
        self.jitter_s = jitter_ms / 1000.0
        self.duplicate_fraction = duplicate_percent / 100.0
        self.rng = random.Random(seed)
        self.max_datagram = max_datagram
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.held_over_s = None if held_over_ms is None else held_over_ms / 1000.0
        self.sock.bind(listen)
        self.sock.setblocking(False)
        self.address = self.sock.getsockname()
        # Sent from a socket of its own: one bound to 127.0.0.1 cannot reach
        # another host; this one takes the source address of the route.
        self.out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.out.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        if mark:
            self.out.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)
        self._heap = []          # (due, tiebreak, index, is_copy, data, arrival)
        self._tiebreak = 0
        self._sent_highest = -1  # highest index of an original sent so far
        self._stop_r, self._stop_w = os.pipe()
        self._thread = None
        self._lock = threading.Lock()
        self._c = {"received": 0, "forwarded": 0, "delayed": 0, "reordered": 0, "duplicated": 0,
                   "send_errors": 0, "first_send_error": "", "max_send_late_ms": 0.0, "sum_send_late_ms": 0.0,
                   "receive_late_ms_max": 0.0, "held_over": 0, "held_over_limit_ms": held_over_ms}

    def counters(self):
        with self._lock:
            c = dict(self._c)
        sent = c["forwarded"] + c["send_errors"]
        c["mean_send_late_ms"] = c.pop("sum_send_late_ms") / sent if sent else 0.0
        c.update(jitter_ms=self.jitter_s * 1000.0, duplicate_percent=self.duplicate_fraction * 100.0,
                 destination=f"{self.destination[0]}:{self.destination[1]}",
                 listen=f"{self.address[0]}:{self.address[1]}")
        return c

    def _schedule(self, arrival, index, is_copy, data):
        delay = self.rng.uniform(0.0, self.jitter_s) if self.jitter_s > 0 else 0.0
        self._tiebreak += 1
        heapq.heappush(self._heap, (arrival + delay, self._tiebreak, index, is_copy, data, arrival))
        return delay

    @staticmethod
    def _arrival(ancillary, now_mono):
        """The datagram's arrival on the monotonic clock: now, less how long it
        waited in the socket (its kernel timestamp against the realtime clock)."""
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                sec, nsec = struct.unpack("qq", payload[:16])
                waited = time.time() - (sec + nsec * 1e-9)
                return now_mono - min(max(waited, 0.0), 10.0)
        return now_mono

    def _receive(self):
        while True:
            try:
                data, ancillary, _, _ = self.sock.recvmsg(self.max_datagram, socket.CMSG_SPACE(16))
            except (BlockingIOError, InterruptedError):
                return
            now = time.monotonic()
            arrival = self._arrival(ancillary, now)
            with self._lock:
                index = self._c["received"]
                self._c["received"] += 1
                self._c["receive_late_ms_max"] = max(self._c["receive_late_ms_max"], (now - arrival) * 1000.0)
                copy = self.duplicate_fraction > 0 and self.rng.random() < self.duplicate_fraction
                self._schedule(arrival, index, False, data)
                if copy:
                    self._schedule(arrival, index, True, data)
                    self._c["duplicated"] += 1

    def _send_due(self):
        while self._heap and self._heap[0][0] <= time.monotonic():
            due, _, index, is_copy, data, arrival = heapq.heappop(self._heap)
            sent = time.monotonic()
            late_ms = max(0.0, (sent - due) * 1000.0)
            error = ""
            try:
                self.out.sendto(data, self.destination)
            except OSError as e:
                error = str(e) or type(e).__name__
            with self._lock:
                c = self._c
                if error:
                    c["send_errors"] += 1
                    c["first_send_error"] = c["first_send_error"] or error
                else:
                    c["forwarded"] += 1
                    # The copy's delay is drawn like the original's: both count as delayed.
                    if self.jitter_s > 0:
                        c["delayed"] += 1
                c["max_send_late_ms"] = max(c["max_send_late_ms"], late_ms)
                c["sum_send_late_ms"] += late_ms
                if not is_copy:
                    if self.held_over_s is not None and sent - arrival > self.held_over_s:
                        c["held_over"] += 1
                    if index < self._sent_highest:
                        c["reordered"] += 1
                    else:
                        self._sent_highest = index

    def serve_forever(self):
        """Relays until stop() (or until the stop pipe is written)."""
        while True:
            self._send_due()
            timeout = max(0.0, self._heap[0][0] - time.monotonic()) if self._heap else None
            ready, _, _ = select.select([self.sock, self._stop_r], [], [], timeout)
            if self._stop_r in ready:
                break
            if self.sock in ready:
                self._receive()

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, name="udp_relay", daemon=True)
        self._thread.start()
        return self

    def stop(self, flush=False):
        """Stops relaying; with flush, sends what is still held first (at once)."""
        os.write(self._stop_w, b"x")
        if self._thread is not None:
            self._thread.join()
        if flush:
            while self._heap:
                self._heap[0] = (0.0,) + self._heap[0][1:]
                self._send_due()
        self.sock.close()
        self.out.close()
        os.close(self._stop_r)
        os.close(self._stop_w)


def parse_address(text, default_host):
    host, _, port = text.rpartition(":")
    return (host or default_host, int(port))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Seeded UDP relay: forwards every datagram to DEST after a "
                                             "uniform random delay of 0..J ms (datagrams reorder when "
                                             "their delays cross), duplicating some. Counters on SIGTERM.")
    ap.add_argument("--listen", default="127.0.0.1:7790", help="[HOST:]PORT to receive on (default 127.0.0.1:7790)")
    ap.add_argument("--to", required=True, help="HOST:PORT every datagram is forwarded to")
    ap.add_argument("--jitter-ms", type=float, default=0.0, help="maximum delay J, ms (uniform 0..J)")
    ap.add_argument("--duplicate-percent", type=float, default=0.0, help="datagrams also sent a second time, %%")
    ap.add_argument("--seed", type=int, default=0, help="random.Random seed (delays and duplicates)")
    ap.add_argument("--mark", type=lambda s: int(s, 0), default=0,
                    help="SO_MARK on the datagrams sent (e.g. 0x77; needs CAP_NET_ADMIN)")
    ap.add_argument("--stats-json", default="", help="write the counters here on exit")
    ap.add_argument("--count-held-over-ms", type=float, default=None,
                    help="count the originals that left more than this long after they arrived (held_over)")
    a = ap.parse_args(argv)
    relay = UdpRelay(parse_address(a.listen, "0.0.0.0"), parse_address(a.to, "127.0.0.1"), a.jitter_ms,
                     a.duplicate_percent, a.seed, a.mark, held_over_ms=a.count_held_over_ms)

    def on_signal(signum, frame):
        os.write(relay._stop_w, b"x")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"udp_relay: {relay.address[0]}:{relay.address[1]} -> {a.to}, jitter 0..{a.jitter_ms:g} ms, "
          f"{a.duplicate_percent:g} % duplicated, seed {a.seed}, mark {a.mark:#x}", flush=True)
    relay.serve_forever()
    c = relay.counters()
    if a.stats_json:
        with open(a.stats_json, "w") as f:
            json.dump(c, f, indent=1)
    print(json.dumps(c), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
