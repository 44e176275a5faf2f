#include "dsp/soft_limiter.hpp"

#include "dsp/sample_lanes.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace crowdmesh::dsp {
namespace {

// Envelope floor: keeps the decaying envelope far from subnormal values (it only matters above
// the knee anyway).
constexpr float kEnvFloor = 1e-9f;

}  // namespace

SoftLimiter::SoftLimiter(float sample_rate_hz, int channels, float ceiling_dbfs, float release_ms)
    : channels_(channels) {
  if (!std::isfinite(sample_rate_hz) || sample_rate_hz <= 0.0f) {
    throw std::invalid_argument("SoftLimiter: sample rate must be finite and > 0 Hz");
  }
  if (channels < 1) throw std::invalid_argument("SoftLimiter: channels must be >= 1");
  if (!std::isfinite(ceiling_dbfs) || ceiling_dbfs > 0.0f) {
    throw std::invalid_argument("SoftLimiter: ceiling must be finite and <= 0 dBFS");
  }
  if (!std::isfinite(release_ms) || release_ms <= 0.0f) {
    throw std::invalid_argument("SoftLimiter: release must be finite and > 0 ms");
  }
  ceiling_ = static_cast<float>(std::pow(10.0, ceiling_dbfs / 20.0));
  knee_ = static_cast<float>(std::pow(10.0, (ceiling_dbfs - kKneeDb) / 20.0));
  span_ = ceiling_ - knee_;
  release_ = static_cast<float>(std::exp(-1.0 / (release_ms * 1e-3 * sample_rate_hz)));
  attack_ = static_cast<float>(1.0 - std::exp(-1.0 / (kAttackMs * 1e-3 * sample_rate_hz)));
}

void SoftLimiter::process(float* io, std::size_t frames) noexcept {
  const std::size_t nch = static_cast<std::size_t>(channels_);
  if (gain_ >= 1.0f && env_ <= knee_) {
    // At rest (no gain reduction, envelope below the knee): a block that stays
    // below the knee passes unchanged and leaves the gain at 1, so it needs one
    // peak scan only (digital silence, quiet passages). The envelope's exact
    // value below the knee never matters: the next peak above it sets it.
    using namespace lanes;
    const std::size_t n = frames * nch;
    Quad peaks = {};
    std::size_t i = 0;
    for (; i + kQuad <= n; i += kQuad) {
      Quad x;
      load(x, io + i);
      magnitude(x, x);
      peaks = x > peaks ? x : peaks;  // NaN never wins, as in std::max(peak, NaN)
    }
    float peak = 0.0f;
    for (int k = 0; k < kQuad; ++k) peak = std::max(peak, peaks[k]);
    for (; i < n; ++i) peak = std::max(peak, std::fabs(io[i]));
    if (peak <= knee_) {
      env_ = std::max(peak, kEnvFloor);
      gain_out_.store(1.0f, std::memory_order_relaxed);
      return;
    }
  }
  const float knee = knee_;
  const float span = span_;
  const float inv_span = 1.0f / span_;
  const float ceiling = ceiling_;
  const float release = release_;
  const float attack = attack_;
  float env = env_;
  float g = gain_;
  std::uint64_t limited = limited_;

  for (std::size_t f = 0; f < frames; ++f) {
    float* frame = io + f * nch;
    float peak = 0.0f;
    for (std::size_t c = 0; c < nch; ++c) peak = std::max(peak, std::fabs(frame[c]));
    env = std::max(std::max(peak, env * release), kEnvFloor);
    const float gt = knee / std::max(env, knee);
    g = std::max(gt, g + (gt - g) * attack);
    bool saturated = false;
    for (std::size_t c = 0; c < nch; ++c) {
      const float u = frame[c] * g;
      const float au = std::fabs(u);
      const float v = (au - knee) * inv_span;
      const float soft = std::min(knee + span * (v / std::sqrt(1.0f + v * v)), ceiling);
      const bool over = au > knee;
      saturated |= over;
      frame[c] = over ? std::copysign(soft, u) : u;
    }
    limited += static_cast<std::uint64_t>(saturated || g < 1.0f);
  }

  env_ = env;
  gain_ = g;
  limited_ = limited;
  gain_out_.store(g, std::memory_order_relaxed);
  limited_frames_.store(limited, std::memory_order_relaxed);
}

float SoftLimiter::gain_reduction_db() const noexcept {
  const float g = gain_out_.load(std::memory_order_relaxed);
  return g >= 1.0f ? 0.0f : -20.0f * std::log10(g);
}

}  // namespace crowdmesh::dsp
