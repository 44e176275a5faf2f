#pragma once
#include <cmath>
#include <cstdint>

#include "common/local_clock.hpp"
#include "rt/seqlock.hpp"

namespace crowdmesh {

/// One linear piece of the mesh time function:
///   mesh(local) = mesh_anchor_ns + (local − local_anchor_ns) × rate
/// `rate` is mesh ns per local ns (1 + skew of the reference against this node;
/// a slew in progress is folded into it). The clock estimator publishes a new
/// piece that starts where the previous one is at that instant, so the function
/// stays continuous unless the estimator steps it (counted in ClockStats.steps).
struct MeshTimeSegment {
  std::int64_t local_anchor_ns = 0;
  std::int64_t mesh_anchor_ns = 0;
  double rate = 1.0;

  /// Mesh time at local time `local_ns`, ns.
  std::int64_t mesh_at(std::int64_t local_ns) const noexcept {
    const double dt = static_cast<double>(local_ns - local_anchor_ns);
    return mesh_anchor_ns + (local_ns - local_anchor_ns) + static_cast<std::int64_t>(std::llround(dt * (rate - 1.0)));
  }
  /// Local time at mesh time `mesh_ns` (the inverse), ns.
  std::int64_t local_at(std::int64_t mesh_ns) const noexcept {
    const double dm = static_cast<double>(mesh_ns - mesh_anchor_ns);
    return local_anchor_ns + static_cast<std::int64_t>(std::llround(dm / rate));
  }
};

/// The node's mesh time function, shared by the mesh gateway (its only writer:
/// the clock estimator publishes every new piece) and its readers: the device's
/// playout thread (PTS ↔ DAC time), the mixer (scheduled starts), telemetry.
/// Before the first publish mesh time = local time (a node alone, or the
/// reference node, is its own mesh clock).
///
/// Thread contract: publish() from one thread; now_ns()/mesh_at()/segment()
/// from any thread, wait-free for the writer, lock-free for readers (seqlock),
/// no allocation: callable from the real-time path.
class MeshTimeSource {
 public:
  /// Writer: the function from now on.
  void publish(const MeshTimeSegment& s) noexcept { seg_.store(s); }
  /// The current piece.
  MeshTimeSegment segment() const noexcept { return seg_.load(); }
  /// Mesh time at local time `local_ns`.
  std::int64_t mesh_at(std::int64_t local_ns) const noexcept { return segment().mesh_at(local_ns); }
  /// Mesh time now.
  std::int64_t now_ns() const noexcept { return mesh_at(local_now_ns()); }
  /// Mesh minus local time now, ns (the "offset" shown to operators).
  std::int64_t offset_ns() const noexcept {
    const auto l = local_now_ns();
    return mesh_at(l) - l;
  }

 private:
  rt::Seqlock<MeshTimeSegment> seg_;
};

}  // namespace crowdmesh
