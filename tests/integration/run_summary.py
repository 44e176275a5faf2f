"""What the integration tests read from an audio_node run summary (--summary-json).

Producer underruns are the product's: a node that let its device ring run dry
failed. Host lateness is the machine's: the virtual clock woken past the
card's buffer (device_xruns), or the playout thread woken past the ring's lead
(playout.stalls_past_ring) while its own work (CPU time plus lock wait)
stayed under a period. Tests
report host lateness and assert only producer faults, so they pass on a busy
machine and still fail on a real fault.
"""


def host_lateness(summary):
    """One line of a node's underrun and host-lateness figures."""
    po = summary.get("playout", {})
    return (f"producer underrun frames {summary.get('underrun_frames', 0)}; host lateness: "
            f"{summary.get('late_wakeups', 0)} late wake-ups absorbed by the card's buffer, "
            f"{summary.get('device_xruns', 0)} past it (device xruns), {po.get('stalls_past_ring', 0)} playout "
            f"wake-ups past the ring's lead (longest wake latency {po.get('longest_wake_latency_us', 0):.0f} us); "
            f"longest playout work {po.get('longest_work_us', 0):.0f} us wall, "
            f"{po.get('longest_work_cpu_us', 0):.0f} us CPU, {po.get('longest_lock_wait_us', 0):.0f} us lock wait")


def own_work_us(summary):
    """The playout's longest own work, us: its CPU time on the playout thread
    plus its wait for the mixer's lock. Its wall time (longest_work_us) also
    holds what the host took from it (preemption, a VM stall), which is host
    lateness, not the product's."""
    po = summary.get("playout", {})
    return po.get("longest_work_cpu_us", 0.0) + po.get("longest_lock_wait_us", 0.0)


def host_realigns(summary):
    """Realigns after lock that host lateness explains: one per device xrun
    (the virtual clock resynchronises: a jump of real play time) and one per
    playout wake-up past the ring's lead (the card played silence the stage
    did not produce). More realigns than that are the product's."""
    return summary.get("device_xruns", 0) + summary.get("playout", {}).get("stalls_past_ring", 0)


def producer_fault(summary):
    """A failure sentence when the product starved the device, else ""."""
    po = summary.get("playout", {})
    under, xruns = summary.get("underrun_frames", 0), summary.get("device_xruns", 0)
    if under == 0 or xruns > 0:
        return ""
    if not po.get("stalls_past_ring"):
        return f"{under} producer underrun frames with no host stall past the ring's lead: a product fault"
    period_us = summary.get("period_us", 0.0)
    work_us = own_work_us(summary)
    if period_us and work_us > period_us:
        return (f"{under} producer underrun frames; the playout's own work (CPU time plus lock wait) took "
                f"{work_us:.0f} us, over a period")
    return ""
