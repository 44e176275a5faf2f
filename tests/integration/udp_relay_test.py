#!/usr/bin/python3
"""Self-test of udp_relay.py (the jitter relay of NetnsLossTest): a datagram
the relay reads late counts from its arrival, not from when it was read, so
the host's lateness shows in receive_late_ms_max, max_send_late_ms and
held_over instead of passing for network jitter.

Datagrams sent to a relay that is not yet serving wait in its socket (as
they would while the host does not schedule it); those sent once it serves
are read at once. Exits 0 on success, 1 with the failures listed."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from udp_relay import UdpRelay  # noqa: E402

WAIT_S = 0.3       # how long the first datagrams sit in the relay's socket
HELD_OVER_MS = 80  # the limit past which an original counts as held over


def run_relay(held_over_ms):
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(5.0)
    relay = UdpRelay(("127.0.0.1", 0), sink.getsockname(), jitter_ms=2.0, seed=3, held_over_ms=held_over_ms)
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(5):
        out.sendto(b"stale %d" % i, relay.address)
    time.sleep(WAIT_S)
    relay.start()
    for i in range(5):
        out.sendto(b"fresh %d" % i, relay.address)
    got = []
    try:
        while len(got) < 10:
            got.append(sink.recv(100))
    except socket.timeout:
        pass
    relay.stop()
    out.close()
    sink.close()
    return got, relay.counters()


def main():
    failures = []
    got, c = run_relay(HELD_OVER_MS)
    print(f"with --count-held-over-ms {HELD_OVER_MS}: {len(got)} of 10 datagrams forwarded, counters {c}")
    if len(got) != 10 or c["forwarded"] != 10:
        failures.append(f"{len(got)} datagrams reached the sink, {c['forwarded']} forwarded (10 sent)")
    if c["receive_late_ms_max"] < WAIT_S * 1000 * 0.9:
        failures.append(f"receive_late_ms_max {c['receive_late_ms_max']:.1f} ms: the datagrams that waited "
                        f"{WAIT_S * 1000:g} ms in the socket were taken as just arrived")
    if c["max_send_late_ms"] < WAIT_S * 1000 * 0.9 - 2.0:
        failures.append(f"max_send_late_ms {c['max_send_late_ms']:.1f} ms: the relay's lateness was not counted")
    if not 5 <= c["held_over"] <= 10:
        failures.append(f"held_over {c['held_over']}: the 5 datagrams that waited {WAIT_S * 1000:g} ms "
                        f"are past the {HELD_OVER_MS} ms limit")
    got, c = run_relay(None)
    if c["held_over"] != 0 or c["held_over_limit_ms"] is not None:
        failures.append(f"without a limit, held_over {c['held_over']} (limit {c['held_over_limit_ms']})")
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
