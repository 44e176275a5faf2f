#include "tempo/tempo_ramp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::tempo {

namespace {
std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}
}  // namespace

TempoRamp::TempoRamp(double initial_bpm)
    : start_bpm_(std::isnan(initial_bpm) ? 120.0 : std::clamp(initial_bpm, kMinBpm, kMaxBpm)),
      target_bpm_(start_bpm_) {}

caf::expected<void> TempoRamp::set_target(double bpm, double transition_seconds, std::int64_t now_ns) {
  if (!std::isfinite(bpm) || bpm < kMinBpm || bpm > kMaxBpm)
    return make_error(errc::value_out_of_range, "tempo " + number(bpm) + " BPM is out of range: allowed " +
                                                    number(kMinBpm) + ".." + number(kMaxBpm) + " BPM");
  if (!std::isfinite(transition_seconds) || transition_seconds < 0.0 || transition_seconds > kMaxTransitionSeconds)
    return make_error(errc::value_out_of_range, "tempo transition time " + number(transition_seconds) +
                                                    " s is out of range: allowed 0.." + number(kMaxTransitionSeconds) +
                                                    " s");
  start_bpm_ = current_bpm(now_ns);
  target_bpm_ = bpm;
  start_ns_ = now_ns;
  duration_ns_ = static_cast<std::int64_t>(std::llround(transition_seconds * 1e9));
  return {};
}

double TempoRamp::progress(std::int64_t now_ns) const {
  if (duration_ns_ <= 0) return 1.0;
  if (now_ns <= start_ns_) return 0.0;
  const std::int64_t elapsed = now_ns - start_ns_;
  if (elapsed >= duration_ns_) return 1.0;
  return static_cast<double>(elapsed) / static_cast<double>(duration_ns_);
}

double TempoRamp::current_bpm(std::int64_t now_ns) const {
  const double p = progress(now_ns);
  if (p >= 1.0) return target_bpm_;
  return start_bpm_ + (target_bpm_ - start_bpm_) * p;
}

}  // namespace crowdmesh::tempo
