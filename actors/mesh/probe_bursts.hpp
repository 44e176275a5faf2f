#pragma once
// The clock probes a gateway sent to its clock reference and still waits for.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace crowdmesh::mesh {

/// What an answer to a probe in flight means for its burst.
struct ProbeMatch {
  int burst_index = 0;     ///< its place in the burst, 0 = the wake-up probe
  bool send_next = false;  ///< send probe burst_index + 1 of the burst now
  bool fit = false;        ///< feed it to the clock estimator (not the wake-up probe)
};

/// Clock probes in flight by correlation id, and the burst rule
/// (docs/PROTOCOL.md, "Bursts"): each probe tick sends a burst of
/// kProbesPerBurst probes, each sent when the previous one's answer arrives.
/// The first (index 0) only wakes the path: measured on one host (true offset
/// 0), a probe after an idle second spends ~50 us more on the way out than
/// back (the sender's ZeroMQ I/O thread and the reference's wake from idle; on
/// the way back they are still awake), a 20-40 us offset bias; the probes that
/// follow at once are within ~5 us. Only those are fitted.
///
/// Pure: no sockets, no clock; the gateway passes ids and times (t1 in ns on
/// its local clock), tests pass any. Thread contract: not thread-safe; one
/// thread (the gateway's) owns it.
class ProbeBursts {
 public:
  /// Probes per probe tick, the wake-up probe included.
  static constexpr int kProbesPerBurst = 3;
  /// Probes kept in flight at most; past it the reference has been silent for
  /// long, and make_room() forgets them all.
  static constexpr std::size_t kMaxProbesInFlight = 64;

  /// Call before sending any probe: when kMaxProbesInFlight probes are in
  /// flight, forgets them all (their answers, if any come, are then refused).
  void make_room();

  /// Probe `burst_index` (0 .. kProbesPerBurst - 1) of a burst went out with
  /// correlation `id` and send time `t1_ns`. Record only probes actually sent:
  /// a probe that could not be sent ends its burst. An `id` already in flight
  /// is replaced (ids come from one counter and do not repeat).
  void sent(std::uint64_t id, std::int64_t t1_ns, int burst_index);

  /// An answer with correlation `id` echoing `t1_ns` arrived. Returns what it
  /// means for its burst and forgets the probe; nullopt for a stray answer
  /// (no probe in flight under `id`: unknown, answered already, or forgotten
  /// by make_room()) or one whose t1 differs from the probe's (the probe
  /// stays in flight).
  std::optional<ProbeMatch> answer(std::uint64_t id, std::int64_t t1_ns);

  /// Probes in flight.
  std::size_t in_flight() const noexcept { return probes_.size(); }

 private:
  struct InFlight {
    std::int64_t t1_ns = 0;
    int burst_index = 0;
  };
  std::unordered_map<std::uint64_t, InFlight> probes_;  // correlation id → probe
};

}  // namespace crowdmesh::mesh
