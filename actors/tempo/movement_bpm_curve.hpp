#pragma once
#include "caf/expected.hpp"
#include "common/mesh_config.hpp"

namespace crowdmesh::tempo {

/// The movement→BPM table of README, "Tempo that follows the dancers" (the original server's bpm_config:
/// `movement_bpm.thresholds`, `bpm_targets`, `movement_max_value`) with
/// configurable thresholds and targets. With the defaults:
///   m < 0.02 → 105, m < 0.05 → 110, m < 0.10 → 115, m < 0.15 → 118,
///   m ≥ 0.15 → linear from 118 at 0.15 to 130 at 0.6, capped at 130.
/// Immutable after construction; every const member is thread-safe.
class MovementBpmCurve {
 public:
  /// Takes the settings as parsed by parse_mesh_config() or
  /// parse_bpm_config_json() (thresholds in 0..1, targets in 20..300 BPM,
  /// movement_max_value > medium). Never fails: if movement_max_value ≤
  /// medium, every m ≥ medium maps to bpm_high_max.
  explicit MovementBpmCurve(const MovementBpmSettings& s = {});

  /// Target BPM for a movement value (a fraction of "full movement", 0..1).
  /// Raw detector values can exceed 1: the value is clamped to [0, 1] first
  /// (NaN counts as 0; use validate_movement() to reject bad input).
  /// m < very_very_low → bpm_very_very_low; < very_low → bpm_very_low;
  /// < low → bpm_low; < medium → bpm_medium; m ≥ medium → linear from
  /// bpm_medium at `medium` to bpm_high_max at movement_max_value, capped at
  /// bpm_high_max. The rise takes precedence: m ≥ medium always rises, also
  /// when `medium` is set below `low` (the original's guide shows
  /// "medium": 0.08 with low 0.10 to make increases easier); for increasing
  /// thresholds this is exactly the table above. Returns BPM. Pure;
  /// thread-safe.
  double target_bpm(double movement) const;

  /// Validates a raw movement value from a detector: NaN, ±inf and negative
  /// values → errc::value_out_of_range with a sentence naming the value and the
  /// allowed range. Returns the value clamped to [0, 1] (values above 1 are
  /// accepted and clamped, as in the original). Pure; thread-safe.
  static caf::expected<double> validate_movement(double raw);

  /// The settings this curve was built from.
  const MovementBpmSettings& settings() const { return s_; }

 private:
  MovementBpmSettings s_;
};

}  // namespace crowdmesh::tempo
