#include "dsp/level_meter.hpp"

#include "dsp/sample_lanes.hpp"

#include <algorithm>
#include <cmath>

namespace crowdmesh::dsp {
namespace {

double to_dbfs(double amplitude) noexcept {
  return amplitude > 0.0 ? std::max(20.0 * std::log10(amplitude), LevelMeter::kSilenceDbfs) : LevelMeter::kSilenceDbfs;
}

}  // namespace

void LevelMeter::process(const float* interleaved, std::size_t frames, int channels) noexcept {
  using namespace lanes;
  const std::size_t n = frames * static_cast<std::size_t>(channels);
  // Four lanes of peaks, counts and float sums of squares; the sums go into
  // a double every kChunk samples, which keeps a float lane's rounding under
  // 128 terms (relative error < 1e-5: < 0.0001 dB). A non-finite sample
  // is masked to 0 and not counted.
  constexpr std::size_t kChunk = 128 * kQuad;
  double sum = 0.0;
  Quad peaks = {};
  IntQuad counts = {};
  std::size_t i = 0;
  while (i + kQuad <= n) {
    Quad sums = {};
    const std::size_t end = std::min(n - n % kQuad, i + kChunk);
    for (; i < end; i += kQuad) {
      Quad x;
      load(x, interleaved + i);
      IntQuad finite;
      finite_mask(finite, x);
      const Quad kept = (Quad)((IntQuad)x & finite);
      Quad ax;
      magnitude(ax, kept);
      peaks = ax > peaks ? ax : peaks;
      sums += kept * kept;
      counts -= finite;
    }
    for (int k = 0; k < kQuad; ++k) sum += static_cast<double>(sums[k]);
  }
  float peak = peak_;
  for (int k = 0; k < kQuad; ++k) peak = std::max(peak, peaks[k]);
  std::uint64_t counted = static_cast<std::uint64_t>(lanes::sum(counts));
  for (; i < n; ++i) {
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
