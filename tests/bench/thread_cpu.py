#!/usr/bin/python3
"""Per-thread CPU and wake-ups of a running process, grouped by thread name.

Samples each thread's CPU time and context switches twice, SECONDS apart,
and prints one Markdown row per thread name: CPU % of a core and wake-ups
per second (threads of the same name, e.g. CAF's workers, are summed), then
the process. CPU time comes from /proc/PID/task/*/schedstat (nanoseconds on
the CPU) where the kernel has it, else from /proc/PID/task/*/stat (utime +
stime, in 10 ms ticks: too coarse for threads under 0.1 % of a core over
20 s); wake-ups are voluntary + involuntary context switches
(/proc/PID/task/*/status).

Usage: tests/bench/thread_cpu.py PID [SECONDS]
"""
import os
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def sample(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                raw = f.read()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                status = f.read()
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        ticks = (int(fields[11]) + int(fields[12])) / HZ  # utime, stime (fields 14 and 15), s
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                ticks = int(f.read().split()[0]) / 1e9  # time on the CPU, ns -> s
        except (OSError, ValueError, IndexError):
            pass
        switches = 0
        for line in status.splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                switches += int(line.split()[1])
        out[tid] = (name, ticks, switches)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pid = int(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    a = sample(pid)
    time.sleep(seconds)
    b = sample(pid)
    rows = {}
    for tid, (name, ticks, switches) in b.items():
        t0, s0 = (a[tid][1], a[tid][2]) if tid in a else (0, 0)
        cpu, wakes = rows.get(name, (0.0, 0.0))
        rows[name] = (cpu + (ticks - t0) / seconds * 100, wakes + (switches - s0) / seconds)
    print("| thread | CPU % | wake-ups / s |")
    print("|---|---|---|")
    for name, (cpu, wakes) in sorted(rows.items(), key=lambda kv: -kv[1][0]):
        print(f"| {name} | {cpu:.3f} | {wakes:.1f} |")
    total_cpu = sum(r[0] for r in rows.values())
    total_wakes = sum(r[1] for r in rows.values())
    print(f"| (process) | {total_cpu:.3f} | {total_wakes:.1f} |")


if __name__ == "__main__":
    main()
