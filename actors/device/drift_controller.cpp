#include "device/drift_controller.hpp"

#include <algorithm>
#include <cmath>

namespace crowdmesh::device {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSaturationTolerance = 1e-3;  // relative: within 0.1 % of the limit

double positive_or(double v, double fallback) { return std::isfinite(v) && v > 0.0 ? v : fallback; }

DriftController::Settings sanitise(const DriftController::Settings& s) {
  const DriftController::Settings d;
  DriftController::Settings r = s;
  r.bandwidth_hz = positive_or(s.bandwidth_hz, d.bandwidth_hz);
  r.damping = positive_or(s.damping, d.damping);
  r.error_filter_hz = std::isfinite(s.error_filter_hz) ? s.error_filter_hz : d.error_filter_hz;
  r.max_correction_ppm = positive_or(s.max_correction_ppm, d.max_correction_ppm);
  r.slew_ppm_per_s = positive_or(s.slew_ppm_per_s, d.slew_ppm_per_s);
  r.acquire_slew_ppm_per_s = positive_or(s.acquire_slew_ppm_per_s, d.acquire_slew_ppm_per_s);
  r.lock_threshold_ns = positive_or(s.lock_threshold_ns, d.lock_threshold_ns);
  r.lock_hold_s = std::isfinite(s.lock_hold_s) && s.lock_hold_s >= 0.0 ? s.lock_hold_s : d.lock_hold_s;
  r.unlock_threshold_ns = std::max(positive_or(s.unlock_threshold_ns, d.unlock_threshold_ns), r.lock_threshold_ns);
  return r;
}

}  // namespace

DriftController::DriftController() noexcept : DriftController(Settings{}) {}

DriftController::DriftController(const Settings& settings) noexcept : settings_(sanitise(settings)) {
  const double wn = 2.0 * kPi * settings_.bandwidth_hz;
  kp_ = 2.0 * settings_.damping * wn * 1e-3;
  ki_ = wn * wn * 1e-3;
}

double DriftController::update(double error_ns, double dt_s) noexcept {
  if (!std::isfinite(error_ns)) return output_ppm_;
  if (!has_sample_) {  // first sample, or first after rebase(): the filter starts here
    filtered_ns_ = error_ns;
    has_sample_ = true;
  }
  if (!std::isfinite(dt_s) || dt_s <= 0.0) return output_ppm_;

  if (settings_.error_filter_hz > 0.0) {
    const double a = 1.0 - std::exp(-2.0 * kPi * settings_.error_filter_hz * dt_s);
    filtered_ns_ += a * (error_ns - filtered_ns_);
  } else {
    filtered_ns_ = error_ns;
  }

  const double limit = settings_.max_correction_ppm;
  const double proportional = kp_ * filtered_ns_;
  const double increment = ki_ * error_ns * dt_s;
  // Conditional integration: no integration that would push a saturated output further.
  const double unclamped = proportional + integral_ppm_ + increment;
  const bool winding_up = std::abs(unclamped) > limit && (unclamped > 0.0) == (increment > 0.0);
  if (!winding_up) integral_ppm_ += increment;
  integral_ppm_ = std::clamp(integral_ppm_, -limit, limit);

  const double target = std::clamp(proportional + integral_ppm_, -limit, limit);
  const double slew = locked_ ? settings_.slew_ppm_per_s : settings_.acquire_slew_ppm_per_s;
  const double max_step = slew * dt_s;
  output_ppm_ += std::clamp(target - output_ppm_, -max_step, max_step);

  const double abs_f = std::abs(filtered_ns_);
  if (locked_) {
    if (abs_f > settings_.unlock_threshold_ns) {
      locked_ = false;
      lock_hold_elapsed_s_ = 0.0;
    }
  } else if (abs_f < settings_.lock_threshold_ns) {
    lock_hold_elapsed_s_ += dt_s;
    if (lock_hold_elapsed_s_ >= settings_.lock_hold_s) locked_ = true;
  } else {
    lock_hold_elapsed_s_ = 0.0;
  }

  return output_ppm_;
}

void DriftController::reset() noexcept {
  output_ppm_ = 0.0;
  integral_ppm_ = 0.0;
  filtered_ns_ = 0.0;
  has_sample_ = false;
  locked_ = false;
  lock_hold_elapsed_s_ = 0.0;
}

void DriftController::rebase() noexcept {
  has_sample_ = false;
  filtered_ns_ = 0.0;
  locked_ = false;
  lock_hold_elapsed_s_ = 0.0;
}

bool DriftController::saturated() const noexcept {
  return std::abs(output_ppm_) >= settings_.max_correction_ppm * (1.0 - kSaturationTolerance);
}

void DriftController::preset(double ppm) noexcept {
  if (!std::isfinite(ppm)) return;
  const double limit = settings_.max_correction_ppm;
  output_ppm_ = std::clamp(ppm, -limit, limit);
  integral_ppm_ = output_ppm_;
}

}  // namespace crowdmesh::device
