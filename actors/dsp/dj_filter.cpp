#include "dsp/dj_filter.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace crowdmesh::dsp {
namespace {

// Amount within −1..+1 of a table index (0 → 0, kTableSteps − 1 → ±1).
std::size_t table_index(double amount) noexcept {
  const double i = std::fabs(amount) * static_cast<double>(DjFilter::kTableSteps - 1);
  return std::min(static_cast<std::size_t>(i + 0.5), DjFilter::kTableSteps - 1);
}

}  // namespace

DjFilter::DjFilter(double sample_rate_hz, int channels)
    : sample_rate_hz_(sample_rate_hz),
      channels_(channels),
      open_top_hz_(std::min(kLowpassOpenHz, 0.45 * sample_rate_hz)),
      lowpass_(BiquadCoefficients{}, channels < 1 ? 1 : channels),
      highpass_(BiquadCoefficients{}, channels < 1 ? 1 : channels) {
  if (!(sample_rate_hz >= 8000.0 && sample_rate_hz <= 384000.0))
    throw std::invalid_argument("DJ filter sample rate " + std::to_string(sample_rate_hz) +
                                " Hz is out of range: must be 8000..384000 Hz");
  if (channels < 1)
    throw std::invalid_argument("DJ filter channel count " + std::to_string(channels) +
                                " is out of range: must be >= 1");
  lowpass_table_.reserve(kTableSteps);
  highpass_table_.reserve(kTableSteps);
  for (std::size_t i = 0; i < kTableSteps; ++i) {
    const double a = static_cast<double>(i) / static_cast<double>(kTableSteps - 1);
    lowpass_table_.push_back(design_biquad(BiquadType::lowpass, sample_rate_hz, lowpass_hz(-a), kButterworthQ));
    highpass_table_.push_back(design_biquad(BiquadType::highpass, sample_rate_hz, highpass_hz(a), kButterworthQ));
  }
  lowpass_.set_coefficients(lowpass_table_.front());
  highpass_.set_coefficients(highpass_table_.front());
  dry_.assign(kControlFrames * static_cast<std::size_t>(channels), 0.0f);
}

double DjFilter::lowpass_hz(double amount) const noexcept {
  const double a = std::clamp(-amount, 0.0, 1.0);
  return open_top_hz_ * std::pow(kLowpassMinHz / open_top_hz_, a);
}

double DjFilter::highpass_hz(double amount) const noexcept {
  const double top = std::min(kHighpassMaxHz, 0.45 * sample_rate_hz_);
  const double a = std::clamp(amount, 0.0, 1.0);
  return kHighpassOpenHz * std::pow(top / kHighpassOpenHz, a);
}

const BiquadCoefficients& DjFilter::lowpass_at(double amount) const noexcept {
  return lowpass_table_[amount < 0.0 ? table_index(amount) : 0];
}

const BiquadCoefficients& DjFilter::highpass_at(double amount) const noexcept {
  return highpass_table_[amount > 0.0 ? table_index(amount) : 0];
}

bool DjFilter::set_amount(double amount) noexcept {
  if (!(amount >= -1.0 && amount <= 1.0)) return false;
  target_ = amount;
  return true;
}

void DjFilter::reset() noexcept {
  lowpass_.reset();
  highpass_.reset();
  current_ = target_;
  wet_ = std::min(1.0, std::fabs(current_) / kWetRampAmount);
}

void DjFilter::process(float* x, std::size_t frames) noexcept {
  if (is_off()) return;
  const auto ch = static_cast<std::size_t>(channels_);
  const double tau_frames = kSmoothingMs * 1e-3 * sample_rate_hz_;
  for (std::size_t pos = 0; pos < frames;) {
    const std::size_t n = std::min(kControlFrames, frames - pos);
    current_ += (target_ - current_) * (1.0 - std::exp(-static_cast<double>(n) / tau_frames));
    if (std::fabs(target_ - current_) < 1e-4) current_ = target_;
    const double wet_end = std::min(1.0, std::fabs(current_) / kWetRampAmount);
    lowpass_.set_coefficients(lowpass_at(current_));
    highpass_.set_coefficients(highpass_at(current_));
    float* block = x + pos * ch;
    const bool blend = wet_ < 1.0 || wet_end < 1.0;
    if (blend) std::copy(block, block + n * ch, dry_.begin());
    lowpass_.process(block, n);
    highpass_.process(block, n);
    if (blend) {
      for (std::size_t f = 0; f < n; ++f) {
        const auto w =
            static_cast<float>(wet_ + (wet_end - wet_) * static_cast<double>(f + 1) / static_cast<double>(n));
        for (std::size_t c = 0; c < ch; ++c) {
          const float dry = dry_[f * ch + c];
          block[f * ch + c] = dry + w * (block[f * ch + c] - dry);
        }
      }
    }
    wet_ = wet_end;
    pos += n;
    if (is_off()) {  // back at rest: what follows stays dry, the next start begins from a clean state
      lowpass_.reset();
      highpass_.reset();
      return;
    }
  }
}

}  // namespace crowdmesh::dsp
