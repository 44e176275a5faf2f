#include "dsp/test_tone.hpp"

#include <algorithm>
#include <cmath>

namespace crowdmesh::dsp {
namespace {
constexpr double kTwoPi = 6.283185307179586476925;
}

TestToneGenerator::TestToneGenerator(double sample_rate_hz, int channels) noexcept
    : sample_rate_hz_(sample_rate_hz > 1.0 ? sample_rate_hz : 1.0),
      channels_(channels > 1 ? channels : 1),
      fade_step_(0.0),
      fade_frames_(std::max<std::uint64_t>(1, static_cast<std::uint64_t>(kFadeMs * 1e-3 * sample_rate_hz_ + 0.5))) {}

void TestToneGenerator::start(double frequency_hz, double amplitude, std::uint64_t frames) noexcept {
  frequency_hz_ = frequency_hz;
  amplitude_ = amplitude;
  remaining_frames_ = frames;
  // The fades cover the larger of the old and new amplitudes in fade_frames_.
  fade_step_ = std::max({amplitude_, level_, 1e-9}) / static_cast<double>(fade_frames_);
}

void TestToneGenerator::add(float* x, std::size_t frames) noexcept {
  if (!active()) return;
  const double step = frequency_hz_ / sample_rate_hz_;
  const auto ch = static_cast<std::size_t>(channels_);
  for (std::size_t f = 0; f < frames; ++f) {
    double target = 0.0;
    if (remaining_frames_ > 0) {
      target = remaining_frames_ >= fade_frames_
                   ? amplitude_
                   : amplitude_ * static_cast<double>(remaining_frames_) / static_cast<double>(fade_frames_);
      --remaining_frames_;
    }
    level_ = level_ < target ? std::min(target, level_ + fade_step_) : std::max(target, level_ - fade_step_);
    if (remaining_frames_ == 0 && level_ < 1e-9) {  // faded out (below −180 dBFS): done, no residue
      level_ = 0.0;
      return;
    }
    const auto v = static_cast<float>(level_ * std::sin(kTwoPi * phase_));
    for (std::size_t c = 0; c < ch; ++c) x[f * ch + c] += v;
    phase_ += step;
    if (phase_ >= 1.0) phase_ -= 1.0;
  }
}

}  // namespace crowdmesh::dsp
