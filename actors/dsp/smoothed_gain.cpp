#include "dsp/smoothed_gain.hpp"

#include <algorithm>
#include <stdexcept>

namespace crowdmesh::dsp {
namespace {

float snap_for(float target) noexcept { return SmoothedGain::kSnapTolerance * std::max(1.0f, std::fabs(target)); }

}  // namespace

SmoothedGain::SmoothedGain(float sample_rate_hz, float time_constant_ms, float initial_gain)
    : target_(initial_gain), snap_(snap_for(initial_gain)) {
  if (!std::isfinite(sample_rate_hz) || sample_rate_hz <= 0.0f) {
    throw std::invalid_argument("SmoothedGain: sample rate must be finite and > 0 Hz");
  }
  if (!std::isfinite(time_constant_ms) || time_constant_ms < 0.0f) {
    throw std::invalid_argument("SmoothedGain: time constant must be finite and >= 0 ms");
  }
  const double tau_frames = static_cast<double>(time_constant_ms) * 1e-3 * sample_rate_hz;
  time_constant_frames_ = static_cast<float>(tau_frames);
  pole_ = tau_frames > 0.0 ? static_cast<float>(std::exp(-1.0 / tau_frames)) : 0.0f;
}

void SmoothedGain::set_target(float linear_gain) noexcept {
  ramp_left_ = 0;
  const float now = current();
  target_ = linear_gain;
  snap_ = snap_for(linear_gain);
  const float e = now - linear_gain;
  error_ = std::fabs(e) <= snap_ ? 0.0f : e;
}

void SmoothedGain::ramp_to(float linear_gain, std::uint64_t frames) noexcept {
  if (frames == 0) {
    set_target(linear_gain);
    return;
  }
  const float now = current();
  target_ = linear_gain;
  snap_ = snap_for(linear_gain);
  error_ = now - linear_gain;
  ramp_left_ = frames;
  ramp_error0_ = static_cast<double>(error_);
  ramp_inv_frames_ = 1.0 / static_cast<double>(frames);
}

void SmoothedGain::jump_to(float linear_gain) noexcept {
  ramp_left_ = 0;
  target_ = linear_gain;
  snap_ = snap_for(linear_gain);
  error_ = 0.0f;
}

void SmoothedGain::apply(float* interleaved, std::size_t frames, int channels) noexcept {
  const std::size_t ch = static_cast<std::size_t>(channels);
  if (settled()) {
    if (target_ == 1.0f) return;  // bit-transparent
    const float g = target_;
    const std::size_t n = frames * ch;
    for (std::size_t i = 0; i < n; ++i) interleaved[i] *= g;
    return;
  }
  if (ch == 2) {
    for (std::size_t f = 0; f < frames; ++f) {
      const float g = next();
      interleaved[2 * f] *= g;
      interleaved[2 * f + 1] *= g;
    }
    return;
  }
  for (std::size_t f = 0; f < frames; ++f) {
    const float g = next();
    float* frame = interleaved + f * ch;
    for (std::size_t c = 0; c < ch; ++c) frame[c] *= g;
  }
}

void SmoothedGain::apply_add(const float* src, float* dst, std::size_t frames, int channels) noexcept {
  const std::size_t ch = static_cast<std::size_t>(channels);
  if (settled()) {
    const float g = target_;
    const std::size_t n = frames * ch;
    if (g == 0.0f) return;
    for (std::size_t i = 0; i < n; ++i) dst[i] += g * src[i];
    return;
  }
  if (ch == 2) {
    for (std::size_t f = 0; f < frames; ++f) {
      const float g = next();
      dst[2 * f] += g * src[2 * f];
      dst[2 * f + 1] += g * src[2 * f + 1];
    }
    return;
  }
  for (std::size_t f = 0; f < frames; ++f) {
    const float g = next();
    const float* in = src + f * ch;
    float* out = dst + f * ch;
    for (std::size_t c = 0; c < ch; ++c) out[c] += g * in[c];
  }
}

}  // namespace crowdmesh::dsp
