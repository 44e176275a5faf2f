#pragma once
#include <cstdint>

#include "caf/expected.hpp"
#include "common/mesh_config.hpp"
#include "tempo/movement_bpm_curve.hpp"
#include "tempo/tempo_ramp.hpp"

namespace crowdmesh::tempo {

/// The tempo actor's core (README, "Tempo that follows the dancers"): movement reports in → target BPM via
/// MovementBpmCurve → TempoRamp over `transition_time_seconds`; set_tempo()
/// overrides.
///
/// Retargeting: a movement report retargets the ramp only when the table's
/// target differs from the last one applied (base_bpm at start) by at least
/// kRetargetDeadbandBpm, so a steady stream at one level (including detector
/// jitter on the linear part of the table) does not restart the ramp, while a
/// slow drift retargets once it adds up to the deadband. Each retarget starts
/// a full transition from the current BPM (no jump).
///
/// Manual tempo: set_tempo() sets `manual`; it holds while the movement level
/// keeps mapping to the same target, and ends (manual = false) at the first
/// movement report whose target changes by the deadband, or at
/// resume_movement().
///
/// Thread contract: not synchronised; owned by the tempo actor. Times are ns of
/// one monotonic clock (the mesh clock), passed in by the caller.
class TempoController {
 public:
  /// Smallest change of the table's target (BPM) that retargets the ramp.
  static constexpr double kRetargetDeadbandBpm = 0.5;

  /// Starts settled at `s.base_bpm` (default 120 BPM), movement 0, automatic.
  /// `s` as validated by parse_mesh_config() or parse_bpm_config_json().
  TempoController(const MovementBpmSettings& s, std::int64_t now_ns);

  /// A movement report (the value as sent by the detector, e.g. OSC
  /// `/dance/total_movement`; values above 1 are clamped). Errors as
  /// MovementBpmCurve::validate_movement() (NaN, ±inf, negative →
  /// errc::value_out_of_range); the state is then unchanged.
  caf::expected<void> on_movement(double raw, std::int64_t now_ns);

  /// Direct tempo (control_node set_tempo / OSC `/set_tempo`): `bpm` in
  /// 20..300, reached in `ramp_seconds` (0..3600; 0 = immediately, as the
  /// original). Sets manual. Errors: errc::value_out_of_range naming the value
  /// and the range; the state is then unchanged.
  caf::expected<void> set_tempo(double bpm, double ramp_seconds, std::int64_t now_ns);

  /// Ends a manual tempo: ramps (over transition_time_seconds) to the table's
  /// target for the last movement value (base_bpm if none arrived yet).
  void resume_movement(std::int64_t now_ns);

  /// Snapshot for replies and telemetry.
  struct State {
    /// Last accepted movement, clamped to 0..1 (0 before the first report).
    double movement;
    /// BPM the ramp goes to.
    double target_bpm;
    /// BPM at the time asked for.
    double current_bpm;
    /// 0..1 of the running transition (1 = settled).
    double ramp_progress;
    /// True after set_tempo() until movement takes over again.
    bool manual;
  };

  /// The state at `now_ns`.
  State state(std::int64_t now_ns) const;

  /// The movement→BPM table in use.
  const MovementBpmCurve& curve() const { return curve_; }

 private:
  MovementBpmCurve curve_;
  TempoRamp ramp_;
  double transition_seconds_;
  double movement_ = 0.0;
  bool has_movement_ = false;
  double applied_table_target_;
  bool manual_ = false;
};

}  // namespace crowdmesh::tempo
