#include "tempo/tempo_controller.hpp"

#include <algorithm>
#include <cmath>

namespace crowdmesh::tempo {

namespace {
double sane_transition(double s) {
  return std::isfinite(s) ? std::clamp(s, 0.0, TempoRamp::kMaxTransitionSeconds) : 0.0;
}
}  // namespace

TempoController::TempoController(const MovementBpmSettings& s, std::int64_t /*now_ns*/)
    : curve_(s),
      ramp_(s.base_bpm),
      transition_seconds_(sane_transition(s.transition_time_seconds)),
      applied_table_target_(ramp_.target_bpm()) {}

caf::expected<void> TempoController::on_movement(double raw, std::int64_t now_ns) {
  auto m = MovementBpmCurve::validate_movement(raw);
  if (!m) return m.error();
  const double target = curve_.target_bpm(*m);
  if (std::abs(target - applied_table_target_) >= kRetargetDeadbandBpm) {
    if (auto r = ramp_.set_target(target, transition_seconds_, now_ns); !r) return r.error();
    applied_table_target_ = target;
    manual_ = false;
  }
  movement_ = *m;
  has_movement_ = true;
  return {};
}

caf::expected<void> TempoController::set_tempo(double bpm, double ramp_seconds, std::int64_t now_ns) {
  if (auto r = ramp_.set_target(bpm, ramp_seconds, now_ns); !r) return r.error();
  manual_ = true;
  return {};
}

void TempoController::resume_movement(std::int64_t now_ns) {
  const double target = has_movement_ ? curve_.target_bpm(movement_) : curve_.settings().base_bpm;
  if (ramp_.set_target(target, transition_seconds_, now_ns)) applied_table_target_ = target;
  manual_ = false;
}

TempoController::State TempoController::state(std::int64_t now_ns) const {
  return State{movement_, ramp_.target_bpm(), ramp_.current_bpm(now_ns), ramp_.progress(now_ns), manual_};
}

}  // namespace crowdmesh::tempo
