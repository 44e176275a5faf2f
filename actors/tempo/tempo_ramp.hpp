#pragma once
#include <cstdint>

#include "caf/expected.hpp"

namespace crowdmesh::tempo {

/// A tempo (BPM) that ramps in wall-clock time toward its target (README, "Tempo that follows the dancers":
/// "ramps in wall-clock time, not in loop iterations").
///
/// Shape: linear in BPM over the transition. A transition set at t0 from the
/// BPM current at t0 (b0) to the target b1 in T seconds gives
///   bpm(t) = b0 + (b1 − b0) · min(1, (t − t0) / T),
/// so it reaches the target exactly at t0 + T (within 1 BPM from
/// t0 + T · (1 − 1/|b1 − b0|) on) and stays there. The BPM is a pure function
/// of the time passed in: how often or with which step it is evaluated does not
/// change it. Times before t0 give b0. The BPM is continuous across
/// retargets (a retarget starts from the current BPM).
///
/// Thread contract: not synchronised; owned by one thread/actor (the tempo
/// actor). Times are ns of one monotonic clock (the mesh clock).
class TempoRamp {
 public:
  /// Lowest accepted BPM.
  static constexpr double kMinBpm = 20.0;
  /// Highest accepted BPM.
  static constexpr double kMaxBpm = 300.0;
  /// Longest accepted transition, seconds.
  static constexpr double kMaxTransitionSeconds = 3600.0;

  /// Starts settled at `initial_bpm` (expected in 20..300 BPM; clamped into it,
  /// NaN gives 120).
  explicit TempoRamp(double initial_bpm = 120.0);

  /// Starts a transition from current_bpm(now_ns) to `bpm`, reached in
  /// `transition_seconds` (0 = immediately). Errors (the ramp is unchanged):
  /// errc::value_out_of_range when `bpm` is NaN, ±inf or outside 20..300 BPM,
  /// or `transition_seconds` is NaN, ±inf or outside 0..3600 s; the sentence
  /// names the value and the range.
  caf::expected<void> set_target(double bpm, double transition_seconds, std::int64_t now_ns);

  /// The BPM at `now_ns` (see the shape above).
  double current_bpm(std::int64_t now_ns) const;

  /// The BPM the running (or finished) transition goes to.
  double target_bpm() const { return target_bpm_; }

  /// Fraction 0..1 of the running transition elapsed at `now_ns`; 1 once it
  /// has finished (or for a 0 s transition).
  double progress(std::int64_t now_ns) const;

  /// True when the transition has finished at `now_ns` (current == target).
  bool settled(std::int64_t now_ns) const { return progress(now_ns) >= 1.0; }

 private:
  double start_bpm_;
  double target_bpm_;
  std::int64_t start_ns_ = 0;
  std::int64_t duration_ns_ = 0;
};

}  // namespace crowdmesh::tempo
