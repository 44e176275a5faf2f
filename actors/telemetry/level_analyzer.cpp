#include "telemetry/level_analyzer.hpp"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::telemetry {
namespace {

// Frames handed to libebur128 per call (and scrubbed of NaN/inf when needed).
constexpr std::size_t kChunkFrames = 1024;

// After this much digital silence (all samples exactly 0) the meter's windows
// (3 s short-term, EBU Tech 3341) hold only zeros and its K-weighting filter
// state has decayed (its lowest pole, the 38 Hz high-pass, falls by e^-238 in
// 1 s), so more zeros cannot change a reading: they are not handed to
// libebur128. An idle node's master bus is digital silence for hours, and
// metering it cost ~1 % of a core at 48 kHz.
constexpr double kSkipSilenceAfterSeconds = 4.0;

double to_db_floored(double db) noexcept {
  return std::isfinite(db) ? std::max(db, LevelAnalyzer::kFloorDb) : LevelAnalyzer::kFloorDb;
}

double amplitude_db(double amplitude) noexcept {
  return amplitude > 0.0 ? to_db_floored(20.0 * std::log10(amplitude)) : LevelAnalyzer::kFloorDb;
}

}  // namespace

struct LevelAnalyzer::Impl {
  struct Ebur128Deleter {
    void operator()(ebur128_state* st) const noexcept { ebur128_destroy(&st); }
  };

  std::uint32_t rate = 0;
  std::uint32_t channels = 0;
  std::unique_ptr<ebur128_state, Ebur128Deleter> ebur;
  std::vector<float> scratch;  // kChunkFrames × channels, for chunks holding NaN/inf

  // Interval values.
  double sum_squares = 0.0;
  std::uint64_t counted = 0;
  float peak = 0.0f;
  std::uint64_t clipped = 0;
  std::uint64_t frames = 0;
  std::uint64_t nonfinite = 0;

  // Silence detector.
  std::uint64_t block_len = 1;
  std::uint64_t block_frames = 0;
  std::vector<double> block_sums;  // per channel
  double quiet_mean_square = 0.0;  // kSilenceThresholdDbfs as a mean square
  std::uint64_t quiet_frames = 0;
  std::uint64_t hold_frames = 0;

  // Digital silence: frames of exact zeros in a row, and the run after which
  // the loudness meter is no longer fed (kSkipSilenceAfterSeconds).
  std::uint64_t zero_frames = 0;
  std::uint64_t skip_zeros_after = 0;

  // Short-term loudness: the last value and the frames fed since it was queried.
  double short_term_lufs = LevelAnalyzer::kFloorDb;
  std::uint64_t frames_since_short_term = 0;
  std::uint64_t short_term_refresh_frames = 1;
  bool short_term_queried = false;

  void end_block() noexcept {
    double loudest = 0.0;
    for (double& s : block_sums) {
      loudest = std::max(loudest, s);
      s = 0.0;
    }
    if (loudest / static_cast<double>(block_len) < quiet_mean_square) {
      quiet_frames += block_len;
    } else {
      quiet_frames = 0;
    }
    block_frames = 0;
  }

  // Meters one chunk; returns whether it held NaN/inf.
  bool meter(const float* in, std::size_t n_frames) noexcept {
    bool dirty = false;
    double sum = 0.0;
    float pk = peak;
    std::uint64_t clips = 0, bad = 0;
    const std::uint32_t ch = channels;
    for (std::size_t f = 0; f < n_frames; ++f) {
      const float* frame = in + f * ch;
      for (std::uint32_t c = 0; c < ch; ++c) {
        float x = frame[c];
        if (!std::isfinite(x)) {
          ++bad;
          x = 0.0f;
        }
        const float ax = std::fabs(x);
        const double sq = static_cast<double>(x) * static_cast<double>(x);
        sum += sq;
        block_sums[c] += sq;
        pk = std::max(pk, ax);
        clips += ax >= 1.0f ? 1u : 0u;
      }
      if (++block_frames == block_len) end_block();
    }
    dirty = bad != 0;
    zero_frames = (sum == 0.0 && bad == 0) ? zero_frames + n_frames : 0;
    sum_squares += sum;
    counted += n_frames * ch - bad;
    peak = pk;
    clipped += clips;
    nonfinite += bad;
    frames += n_frames;
    frames_since_short_term += n_frames;
    return dirty;
  }
};

LevelAnalyzer::LevelAnalyzer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LevelAnalyzer::LevelAnalyzer(LevelAnalyzer&&) noexcept = default;
LevelAnalyzer& LevelAnalyzer::operator=(LevelAnalyzer&&) noexcept = default;
LevelAnalyzer::~LevelAnalyzer() = default;

caf::expected<LevelAnalyzer> LevelAnalyzer::create(std::uint32_t sample_rate_hz, std::uint32_t channels) {
  if (sample_rate_hz < kMinSampleRateHz || sample_rate_hz > kMaxSampleRateHz)
    return make_error(errc::value_out_of_range, "level analyser: sample rate " + std::to_string(sample_rate_hz) +
                                                    " Hz is outside " + std::to_string(kMinSampleRateHz) + ".." +
                                                    std::to_string(kMaxSampleRateHz) + " Hz");
  if (channels < 1 || channels > kMaxChannels)
    return make_error(errc::value_out_of_range, "level analyser: " + std::to_string(channels) +
                                                    " channels is outside 1.." + std::to_string(kMaxChannels));
  auto impl = std::make_unique<Impl>();
  impl->rate = sample_rate_hz;
  impl->channels = channels;
  impl->ebur.reset(ebur128_init(channels, sample_rate_hz, EBUR128_MODE_M | EBUR128_MODE_S));
  if (!impl->ebur)
    return make_error(errc::internal, "level analyser: libebur128 could not set up a meter for " +
                                          std::to_string(channels) + " channels at " + std::to_string(sample_rate_hz) +
                                          " Hz");
  if (channels == 1) ebur128_set_channel(impl->ebur.get(), 0, EBUR128_DUAL_MONO);
  impl->scratch.assign(kChunkFrames * channels, 0.0f);
  impl->block_len = std::max<std::uint64_t>(1, sample_rate_hz / 100);
  impl->block_sums.assign(channels, 0.0);
  impl->quiet_mean_square = std::pow(10.0, kSilenceThresholdDbfs / 10.0);
  impl->hold_frames = static_cast<std::uint64_t>(std::llround(kSilenceHoldSeconds * sample_rate_hz));
  impl->skip_zeros_after = static_cast<std::uint64_t>(std::llround(kSkipSilenceAfterSeconds * sample_rate_hz));
  impl->short_term_refresh_frames =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(kShortTermRefreshSeconds * sample_rate_hz)));
  return LevelAnalyzer(std::move(impl));
}

std::uint32_t LevelAnalyzer::sample_rate_hz() const noexcept { return impl_->rate; }
std::uint32_t LevelAnalyzer::channels() const noexcept { return impl_->channels; }

void LevelAnalyzer::process(const float* interleaved, std::size_t frames) noexcept {
  Impl& d = *impl_;
  const std::size_t ch = d.channels;
  while (frames > 0) {
    const std::size_t n = std::min(frames, kChunkFrames);
    const float* chunk = interleaved;
    if (d.meter(chunk, n)) {
      for (std::size_t i = 0; i < n * ch; ++i) d.scratch[i] = std::isfinite(chunk[i]) ? chunk[i] : 0.0f;
      chunk = d.scratch.data();
    }
    if (d.zero_frames <= d.skip_zeros_after) ebur128_add_frames_float(d.ebur.get(), chunk, n);
    interleaved += n * ch;
    frames -= n;
  }
}

LevelReport LevelAnalyzer::take() noexcept {
  Impl& d = *impl_;
  LevelReport r;
  r.rms_dbfs = d.counted > 0 ? amplitude_db(std::sqrt(d.sum_squares / static_cast<double>(d.counted))) : kFloorDb;
  r.peak_dbfs = amplitude_db(d.peak);
  double lufs = -HUGE_VAL;
  // Both windows hold only zeros after the skip point: no need to sum them
  // (libebur128 sums the whole 3 s window on every query).
  const bool windows_silent = d.zero_frames > d.skip_zeros_after;
  r.momentary_lufs = !windows_silent && ebur128_loudness_momentary(d.ebur.get(), &lufs) == EBUR128_SUCCESS
                         ? to_db_floored(lufs)
                         : kFloorDb;
  if (windows_silent) {
    d.short_term_lufs = kFloorDb;
    d.short_term_queried = false;  // sound that returns is measured at once
  } else if (!d.short_term_queried || d.frames_since_short_term >= d.short_term_refresh_frames) {
    lufs = -HUGE_VAL;
    d.short_term_lufs =
        ebur128_loudness_shortterm(d.ebur.get(), &lufs) == EBUR128_SUCCESS ? to_db_floored(lufs) : kFloorDb;
    d.short_term_queried = true;
    d.frames_since_short_term = 0;
  }
  r.short_term_lufs = d.short_term_lufs;
  r.clipped_samples = d.clipped;
  r.clipping = d.clipped > 0;
  r.silent = d.quiet_frames >= d.hold_frames;
  r.silent_seconds = static_cast<double>(d.quiet_frames) / static_cast<double>(d.rate);
  r.frames = d.frames;
  r.nonfinite_samples = d.nonfinite;
  d.sum_squares = 0.0;
  d.counted = 0;
  d.peak = 0.0f;
  d.clipped = 0;
  d.frames = 0;
  d.nonfinite = 0;
  return r;
}

}  // namespace crowdmesh::telemetry
