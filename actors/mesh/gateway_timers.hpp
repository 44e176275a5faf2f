#pragma once
// When a gateway publishes its next heartbeat and starts its next clock-probe
// burst, and how long its poll may sleep.
#include <cstdint>
#include <optional>

namespace crowdmesh::mesh {

/// The deadlines of a gateway's own timers: the heartbeat (every heartbeat
/// interval) and, on a node that follows a clock reference, the clock-probe
/// tick (each tick starts a burst, see ProbeBursts; the interval comes from
/// the clock estimator at each tick). Pure: no sockets, no clock; the gateway
/// passes the times (ns on its local clock), tests pass any.
///
/// Thread contract: not thread-safe; one thread (the gateway's) owns it.
class GatewayTimers {
 public:
  /// The longest a poll sleeps, ms, even when nothing is due sooner.
  static constexpr int kMaxPollTimeoutMs = 1000;

  /// Heartbeats every `heartbeat_interval_ns` (> 0); probe ticks only when
  /// `probing` (this node follows a clock reference). The first deadlines
  /// are set by start().
  GatewayTimers(std::int64_t heartbeat_interval_ns, bool probing)
      : heartbeat_interval_ns_(heartbeat_interval_ns), probing_(probing) {}
  /// Placeholder until the gateway knows its config: 1 ns heartbeats, no probing.
  GatewayTimers() : GatewayTimers(1, false) {}

  /// The loop starts at `now_ns`: the first heartbeat and the first probe
  /// tick are due at once.
  void start(std::int64_t now_ns) {
    next_heartbeat_ns_ = now_ns;
    next_probe_ns_ = now_ns;
  }

  /// True when the heartbeat is due at `now_ns` (its deadline is at or before
  /// it); the next one is then due one interval after `now_ns` (not after the
  /// missed deadline: a late loop does not send a catch-up series).
  bool take_heartbeat(std::int64_t now_ns);

  /// True when this node probes and the probe tick is due at `now_ns`. The
  /// tick stays due until probe_tick_done().
  bool probe_tick_due(std::int64_t now_ns) const { return probing_ && now_ns >= next_probe_ns_; }

  /// The probe tick of `now_ns` was handled: the next one is due
  /// `interval_ns` (the clock estimator's probe interval) after `now_ns`.
  void probe_tick_done(std::int64_t now_ns, std::int64_t interval_ns) { next_probe_ns_ = now_ns + interval_ns; }

  /// The clock reference came up (first heard, or heard again after it was
  /// reported down) at `now_ns`: the probe tick is due at once, whenever the
  /// next was planned. Without probing no tick becomes due.
  void reference_came_up(std::int64_t now_ns) { next_probe_ns_ = now_ns; }

  /// How long the poll of `now_ns` may sleep, ms: until the earliest of the
  /// heartbeat, the probe tick (when probing) and `forward_deadline_ns` (the
  /// forward table's next deadline, nullopt when nothing waits), rounded up
  /// to a whole ms so it wakes at or after that deadline; 0 when one is due
  /// already; at most kMaxPollTimeoutMs.
  int poll_timeout_ms(std::int64_t now_ns, std::optional<std::int64_t> forward_deadline_ns) const;

  /// When the next heartbeat is due, ns.
  std::int64_t next_heartbeat_ns() const { return next_heartbeat_ns_; }
  /// When the next probe tick is due, ns (meaningless without probing).
  std::int64_t next_probe_ns() const { return next_probe_ns_; }
  /// Whether this node sends clock probes.
  bool probing() const { return probing_; }

 private:
  std::int64_t heartbeat_interval_ns_;
  bool probing_;
  std::int64_t next_heartbeat_ns_ = 0;
  std::int64_t next_probe_ns_ = 0;
};

}  // namespace crowdmesh::mesh
