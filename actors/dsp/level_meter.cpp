#include "dsp/level_meter.hpp"

#include <algorithm>
#include <cmath>

namespace crowdmesh::dsp {
namespace {

double to_dbfs(double amplitude) noexcept {
  return amplitude > 0.0 ? std::max(20.0 * std::log10(amplitude), LevelMeter::kSilenceDbfs) : LevelMeter::kSilenceDbfs;
}

}  // namespace

void LevelMeter::process(const float* interleaved, std::size_t frames, int channels) noexcept {
  const std::size_t n = frames * static_cast<std::size_t>(channels);
  double sum = 0.0;
  float peak = peak_;
  std::uint64_t counted = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float x = interleaved[i];
    const float ax = std::fabs(x);
    const bool finite = ax <= 3.4028235e38f;  // false for inf and NaN
    const double xd = finite ? static_cast<double>(x) : 0.0;
    sum += xd * xd;
    peak = finite ? std::max(peak, ax) : peak;
    counted += finite ? 1u : 0u;
  }
  sum_squares_ += sum;
  peak_ = peak;
  samples_ += counted;
}

double LevelMeter::rms_dbfs() const noexcept {
  if (samples_ == 0) return kSilenceDbfs;
  return to_dbfs(std::sqrt(sum_squares_ / static_cast<double>(samples_)));
}

double LevelMeter::peak_dbfs() const noexcept { return to_dbfs(peak_); }

void LevelMeter::reset() noexcept {
  sum_squares_ = 0.0;
  samples_ = 0;
  peak_ = 0.0f;
}

}  // namespace crowdmesh::dsp
