#include "encoder/loudness_normalizer.hpp"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

constexpr double kMomentarySeconds = 0.4;
// Momentary updates per short-term/integrated/target update.
constexpr auto kTargetUpdates =
    static_cast<unsigned>(LoudnessNormalizer::kTargetUpdateSeconds / LoudnessNormalizer::kUpdateSeconds + 0.5);
constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

std::string range_sentence(const char* name, double value, const char* unit, double lo, double hi) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "loudness normaliser %s %g%s is out of range: must be within %g..%g%s", name, value,
                unit, lo, hi, unit);
  return buf;
}

bool within(double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; }

caf::expected<void> check(PcmFormat format, const LoudnessNormalizerParams& p) {
  auto bad = [](std::string sentence) { return make_error(errc::value_out_of_range, std::move(sentence)); };
  if (format.sample_rate_hz < 8000 || format.sample_rate_hz > 384000) {
    return bad(range_sentence("sample rate", format.sample_rate_hz, " Hz", 8000, 384000));
  }
  if (format.channels < 1 || format.channels > 8) return bad(range_sentence("channels", format.channels, "", 1, 8));
  if (!within(p.target_lufs, -40, -5)) return bad(range_sentence("target", p.target_lufs, " LUFS", -40, -5));
  if (!within(p.min_gain_db, -40, 0)) return bad(range_sentence("minimum gain", p.min_gain_db, " dB", -40, 0));
  if (!within(p.max_gain_db, 0, 40)) return bad(range_sentence("maximum gain", p.max_gain_db, " dB", 0, 40));
  if (!within(p.slew_db_per_s, 0.1, 20)) return bad(range_sentence("slew", p.slew_db_per_s, " dB/s", 0.1, 20));
  if (!within(p.ceiling_dbfs, -20, 0)) return bad(range_sentence("ceiling", p.ceiling_dbfs, " dBFS", -20, 0));
  if (!within(p.history_seconds, 10, 3600)) return bad(range_sentence("history", p.history_seconds, " s", 10, 3600));
  return caf::unit;
}

}  // namespace

struct LoudnessNormalizer::Meter {
  ebur128_state* st = nullptr;
  ~Meter() {
    if (st != nullptr) ebur128_destroy(&st);
  }
};

caf::expected<std::unique_ptr<LoudnessNormalizer::Meter>> LoudnessNormalizer::make_meter(PcmFormat format,
                                                                                         double history_seconds) {
  auto meter = std::make_unique<Meter>();
  meter->st = ebur128_init(format.channels, format.sample_rate_hz, EBUR128_MODE_M | EBUR128_MODE_S | EBUR128_MODE_I);
  if (meter->st == nullptr) {
    return make_error(errc::internal, "libebur128 could not start a loudness meter for " +
                                          std::to_string(format.channels) + " channels at " +
                                          std::to_string(format.sample_rate_hz) + " Hz");
  }
  if (format.channels == 1) ebur128_set_channel(meter->st, 0, EBUR128_DUAL_MONO);
  if (ebur128_set_max_history(meter->st, static_cast<unsigned long>(history_seconds * 1000.0)) != EBUR128_SUCCESS) {
    return make_error(errc::internal, "libebur128 refused a loudness history of " +
                                          std::to_string(static_cast<long>(history_seconds)) + " s");
  }
  return meter;
}

caf::expected<LoudnessNormalizer> LoudnessNormalizer::create(PcmFormat format, const LoudnessNormalizerParams& params) {
  if (auto ok = check(format, params); !ok) return ok.error();
  auto meter = make_meter(format, params.history_seconds);
  if (!meter) return meter.error();
  auto limiter =
      std::make_unique<dsp::SoftLimiter>(static_cast<float>(format.sample_rate_hz), static_cast<int>(format.channels),
                                         static_cast<float>(params.ceiling_dbfs), kLimiterReleaseMs);
  return LoudnessNormalizer(format, params, std::move(*meter), std::move(limiter));
}

LoudnessNormalizer::LoudnessNormalizer(PcmFormat format, const LoudnessNormalizerParams& params,
                                       std::unique_ptr<Meter> meter, std::unique_ptr<dsp::SoftLimiter> limiter)
    : format_(format),
      params_(params),
      meter_(std::move(meter)),
      limiter_(std::move(limiter)),
      update_frames_(static_cast<std::size_t>(std::lround(kUpdateSeconds * format.sample_rate_hz))),
      momentary_lufs_(kMinusInfinity),
      short_term_lufs_(kMinusInfinity),
      integrated_lufs_(kMinusInfinity) {}

LoudnessNormalizer::LoudnessNormalizer(LoudnessNormalizer&&) noexcept = default;
LoudnessNormalizer& LoudnessNormalizer::operator=(LoudnessNormalizer&&) noexcept = default;
LoudnessNormalizer::~LoudnessNormalizer() = default;

caf::expected<void> LoudnessNormalizer::reset(PcmFormat format) {
  auto fresh = create(format, params_);
  if (!fresh) return fresh.error();
  *this = std::move(*fresh);
  return caf::unit;
}

void LoudnessNormalizer::process(float* io, std::size_t frames) {
  const std::size_t nch = format_.channels;
  std::size_t done = 0;
  while (done < frames) {
    const std::size_t n = std::min(frames - done, update_frames_ - pending_frames_);
    float* block = io + done * nch;
    if (!meter_failed_ && ebur128_add_frames_float(meter_->st, block, n) != EBUR128_SUCCESS) meter_failed_ = true;
    pending_frames_ += n;
    if (pending_frames_ == update_frames_) {
      pending_frames_ = 0;
      if (!meter_failed_) update_target();
    }
    apply_gain(block, n);
    done += n;
  }
  limiter_->process(io, frames);
}

void LoudnessNormalizer::update_target() {
  ebur128_state* st = meter_->st;
  ebur128_loudness_momentary(st, &momentary_lufs_);
  // Short-term and integrated loudness cost a pass over 3 s of audio and the history: every
  // kTargetUpdates updates is enough for a gain that moves a few dB/s.
  const bool slow_reading = updates_++ % kTargetUpdates == 0;
  if (slow_reading) {
    ebur128_loudness_shortterm(st, &short_term_lufs_);
    ebur128_loudness_global(st, &integrated_lufs_);
  }
  if (!started_) {
    if (!(momentary_lufs_ >= kSilenceLufs)) return;
    started_ = true;
    programme_seconds_ = kMomentarySeconds;  // the block that opened the gate
  } else {
    programme_seconds_ += static_cast<double>(update_frames_) / format_.sample_rate_hz;
  }
  if (!slow_reading) return;

  double level = short_term_lufs_;
  double estimate = short_term_lufs_;
  if (programme_seconds_ < kShortTermSeconds) {
    const auto window_ms = static_cast<unsigned long>(std::lround(programme_seconds_ * 1000.0));
    if (ebur128_loudness_window(st, window_ms, &level) != EBUR128_SUCCESS) return;
    estimate = level;
  } else if (std::isfinite(integrated_lufs_)) {
    const double w = std::clamp((programme_seconds_ - kShortTermSeconds) / kBlendSeconds, 0.0, 1.0);
    estimate = (1.0 - w) * short_term_lufs_ + w * integrated_lufs_;
  }
  if (!(level >= kSilenceLufs) || !std::isfinite(estimate)) return;  // silence gate: keep the gain
  target_gain_db_ = std::clamp(params_.target_lufs - estimate, params_.min_gain_db, params_.max_gain_db);
}

void LoudnessNormalizer::apply_gain(float* io, std::size_t frames) {
  const std::size_t nch = format_.channels;
  const double max_step = params_.slew_db_per_s * static_cast<double>(frames) / format_.sample_rate_hz;
  const double next_db = gain_db_ + std::clamp(target_gain_db_ - gain_db_, -max_step, max_step);
  const double g0 = std::pow(10.0, gain_db_ / 20.0);
  const double g1 = std::pow(10.0, next_db / 20.0);
  gain_db_ = next_db;
  if (g0 == 1.0 && g1 == 1.0) return;
  const double step = (g1 - g0) / static_cast<double>(frames);
  for (std::size_t f = 0; f < frames; ++f) {
    const auto g = static_cast<float>(g0 + step * static_cast<double>(f + 1));
    float* frame = io + f * nch;
    for (std::size_t c = 0; c < nch; ++c) frame[c] *= g;
  }
}

}  // namespace crowdmesh::encoder
