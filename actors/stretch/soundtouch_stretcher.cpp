#include "stretch/soundtouch_stretcher.hpp"

#include <soundtouch/SoundTouch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "common/error.hpp"

namespace crowdmesh::stretch {

static_assert(std::is_same_v<soundtouch::SAMPLETYPE, float>,
              "SoundTouch must be built with float samples (SOUNDTOUCH_FLOAT_SAMPLES)");

namespace {

bool in_range(int v, int lo, int hi) { return v >= lo && v <= hi; }

caf::error range_error(const std::string& what, int v, int lo, int hi) {
  return make_error(errc::value_out_of_range, what + " " + std::to_string(v) + " is outside the allowed range " +
                                                  std::to_string(lo) + ".." + std::to_string(hi));
}

// Largest frame count handed to SoundTouch in one call (its API counts in uint).
constexpr std::size_t kMaxCallFrames = 1u << 20;

}  // namespace

caf::expected<void> SoundTouchStretcher::validate(int sample_rate_hz, int channels, const SoundTouchSettings& s) {
  if (!in_range(sample_rate_hz, 8000, 384000))
    return range_error("SoundTouch sample rate (Hz)", sample_rate_hz, 8000, 384000);
  if (!in_range(channels, 1, 8)) return range_error("SoundTouch channel count", channels, 1, 8);
  if (!in_range(s.sequence_ms, 0, 500)) return range_error("SoundTouch sequence_ms", s.sequence_ms, 0, 500);
  if (!in_range(s.seek_window_ms, 0, 200)) return range_error("SoundTouch seek_window_ms", s.seek_window_ms, 0, 200);
  if (!in_range(s.overlap_ms, 1, 100)) return range_error("SoundTouch overlap_ms", s.overlap_ms, 1, 100);
  return {};
}

SoundTouchStretcher::SoundTouchStretcher(int sample_rate_hz, int channels, const SoundTouchSettings& s)
    : st_(std::make_unique<soundtouch::SoundTouch>()),
      sample_rate_hz_(std::clamp(sample_rate_hz, 8000, 384000)),
      channels_(std::clamp(channels, 1, 8)) {
  st_->setSampleRate(static_cast<unsigned>(sample_rate_hz_));
  st_->setChannels(static_cast<unsigned>(channels_));
  st_->setSetting(SETTING_USE_AA_FILTER, s.anti_alias ? 1 : 0);
  st_->setSetting(SETTING_USE_QUICKSEEK, s.quick_seek ? 1 : 0);
  st_->setSetting(SETTING_SEQUENCE_MS, std::clamp(s.sequence_ms, 0, 500));
  st_->setSetting(SETTING_SEEKWINDOW_MS, std::clamp(s.seek_window_ms, 0, 200));
  st_->setSetting(SETTING_OVERLAP_MS, std::clamp(s.overlap_ms, 1, 100));
  st_->setRate(1.0);
  st_->setPitch(1.0);
  st_->setTempo(1.0);
}

SoundTouchStretcher::~SoundTouchStretcher() = default;

void SoundTouchStretcher::set_tempo(double ratio) {
  if (std::isnan(ratio)) return;
  tempo_ = std::clamp(ratio, kMinTempo, kMaxTempo);
  st_->setTempo(tempo_);
}

void SoundTouchStretcher::put(const float* interleaved, std::size_t frames) {
  const auto ch = static_cast<std::size_t>(channels_);
  while (frames > 0) {
    const std::size_t n = std::min(frames, kMaxCallFrames);
    st_->putSamples(interleaved, static_cast<unsigned>(n));
    interleaved += n * ch;
    frames -= n;
  }
}

std::size_t SoundTouchStretcher::receive(float* interleaved, std::size_t max_frames) {
  return st_->receiveSamples(interleaved, static_cast<unsigned>(std::min(max_frames, kMaxCallFrames)));
}

std::size_t SoundTouchStretcher::available() const { return st_->numSamples(); }

void SoundTouchStretcher::flush() { st_->flush(); }

void SoundTouchStretcher::clear() { st_->clear(); }

std::size_t SoundTouchStretcher::latency_frames() const {
  const double out_as_input = static_cast<double>(st_->numSamples()) * tempo_;
  return static_cast<std::size_t>(st_->numUnprocessedSamples()) + static_cast<std::size_t>(std::llround(out_as_input));
}

}  // namespace crowdmesh::stretch
