#include "dsp/compressor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace crowdmesh::dsp {
namespace {

// Level floor of the detector (dBFS): silence reads as this, far below any useful threshold.
constexpr float kFloorLinear = 1e-9f;
// Smoothed reductions below this (dB) are set to 0 so the detector never holds subnormal values.
constexpr float kNegligibleDb = 1e-6f;

std::string out_of_range(const char* name, double value, const char* unit, double lo, double hi) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "compressor %s %g%s is out of range: must be within %g..%g%s", name, value, unit, lo,
                hi, unit);
  return buf;
}

bool within(float v, float lo, float hi) { return std::isfinite(v) && v >= lo && v <= hi; }

}  // namespace

std::string Compressor::check(const CompressorParams& p, float sample_rate_hz) {
  if (!std::isfinite(sample_rate_hz) || sample_rate_hz <= 0.0f) {
    char buf[120];
    std::snprintf(buf, sizeof buf, "compressor sample rate %g Hz is invalid: must be finite and > 0 Hz",
                  static_cast<double>(sample_rate_hz));
    return buf;
  }
  if (!within(p.threshold_dbfs, -60.0f, 0.0f)) return out_of_range("threshold", p.threshold_dbfs, " dBFS", -60, 0);
  if (!within(p.ratio, 1.0f, 50.0f)) return out_of_range("ratio", p.ratio, "", 1, 50);
  if (!within(p.knee_db, 0.0f, 24.0f)) return out_of_range("knee", p.knee_db, " dB", 0, 24);
  if (!within(p.attack_ms, 0.1f, 500.0f)) return out_of_range("attack", p.attack_ms, " ms", 0.1, 500);
  if (!within(p.release_ms, 1.0f, 5000.0f)) return out_of_range("release", p.release_ms, " ms", 1, 5000);
  if (!within(p.makeup_db, -24.0f, 24.0f)) return out_of_range("makeup gain", p.makeup_db, " dB", -24, 24);
  return {};
}

Compressor::Compressor(const CompressorParams& params, float sample_rate_hz, int channels)
    : params_(params), channels_(channels) {
  const std::string problem = check(params, sample_rate_hz);
  if (!problem.empty()) throw std::invalid_argument(problem);
  if (channels < 1) throw std::invalid_argument("compressor channels must be >= 1");
  alpha_attack_ = static_cast<float>(std::exp(-1.0 / (params.attack_ms * 1e-3 * sample_rate_hz)));
  alpha_release_ = static_cast<float>(std::exp(-1.0 / (params.release_ms * 1e-3 * sample_rate_hz)));
  knee_start_linear_ = static_cast<float>(std::pow(10.0, (params.threshold_dbfs - params.knee_db / 2.0) / 20.0));
  makeup_linear_ = static_cast<float>(std::pow(10.0, params.makeup_db / 20.0));
}

float Compressor::static_reduction_db(float x) const noexcept {
  const float t = params_.threshold_dbfs;
  const float w = params_.knee_db;
  const float slope = 1.0f / params_.ratio - 1.0f;  // <= 0
  const float over = x - t;
  if (2.0f * over <= -w) return 0.0f;  // also covers the hard knee (w = 0) at x = T
  if (2.0f * over > w) return -slope * over;
  const float d = over + w / 2.0f;
  return -slope * d * d / (2.0f * w);
}

void Compressor::process(float* io, std::size_t frames) noexcept {
  const std::size_t nch = static_cast<std::size_t>(channels_);
  const float aa = alpha_attack_;
  const float ar = alpha_release_;
  const float knee_start = knee_start_linear_;
  const float makeup_db = params_.makeup_db;
  const float makeup = makeup_linear_;
  float y1 = y1_;
  float yl = yl_;

  for (std::size_t f = 0; f < frames; ++f) {
    float* frame = io + f * nch;
    float peak = 0.0f;
    for (std::size_t c = 0; c < nch; ++c) peak = std::max(peak, std::fabs(frame[c]));
    float xl = 0.0f;
    if (peak > knee_start) xl = static_reduction_db(20.0f * std::log10(std::max(peak, kFloorLinear)));
    y1 = std::max(xl, ar * y1 + (1.0f - ar) * xl);
    yl = aa * yl + (1.0f - aa) * y1;
    if (y1 < kNegligibleDb) y1 = 0.0f;
    if (yl < kNegligibleDb) yl = 0.0f;
    const float g = yl == 0.0f ? makeup : std::pow(10.0f, (makeup_db - yl) * 0.05f);
    for (std::size_t c = 0; c < nch; ++c) frame[c] *= g;
  }

  y1_ = y1;
  yl_ = yl;
  gain_reduction_out_.store(yl, std::memory_order_relaxed);
}

void Compressor::reset() noexcept {
  y1_ = 0.0f;
  yl_ = 0.0f;
  gain_reduction_out_.store(0.0f, std::memory_order_relaxed);
}

}  // namespace crowdmesh::dsp
