#include "dsp/dj_eq.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace crowdmesh::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kButterworthQ = 0.70710678118654752440;

// RBJ Audio EQ Cookbook, LPF.
DjEq::Biquad make_low_pass(double fs, double f0) {
  const double w0 = 2.0 * kPi * f0 / fs;
  const double cw = std::cos(w0);
  const double alpha = std::sin(w0) / (2.0 * kButterworthQ);
  const double a0 = 1.0 + alpha;
  const double b0 = (1.0 - cw) / 2.0 / a0;
  return {static_cast<float>(b0), static_cast<float>(2.0 * b0), static_cast<float>(b0),
          static_cast<float>(-2.0 * cw / a0), static_cast<float>((1.0 - alpha) / a0)};
}

// RBJ Audio EQ Cookbook, APF.
DjEq::Biquad make_all_pass(double fs, double f0) {
  const double w0 = 2.0 * kPi * f0 / fs;
  const double cw = std::cos(w0);
  const double alpha = std::sin(w0) / (2.0 * kButterworthQ);
  const double a0 = 1.0 + alpha;
  const float b0 = static_cast<float>((1.0 - alpha) / a0);
  const float b1 = static_cast<float>(-2.0 * cw / a0);
  return {b0, b1, 1.0f, b1, b0};
}

// Transposed direct form II.
inline float tick(const DjEq::Biquad& c, float* z, float x) noexcept {
  const float y = c.b0 * x + z[0];
  z[0] = c.b1 * x - c.a1 * y + z[1];
  z[1] = c.b2 * x - c.a2 * y;
  return y;
}

float db_to_band_gain(float db) noexcept { return db <= DjEq::kKillDb ? 0.0f : std::pow(10.0f, db / 20.0f); }

}  // namespace

DjEq::DjEq(float sample_rate_hz, int channels, float low_crossover_hz, float high_crossover_hz)
    : sample_rate_hz_(sample_rate_hz),
      channels_(channels),
      gain_low_(sample_rate_hz > 0.0f ? sample_rate_hz : 1.0f, kGainSmoothingMs),
      gain_mid_(sample_rate_hz > 0.0f ? sample_rate_hz : 1.0f, kGainSmoothingMs),
      gain_high_(sample_rate_hz > 0.0f ? sample_rate_hz : 1.0f, kGainSmoothingMs) {
  if (!std::isfinite(sample_rate_hz) || sample_rate_hz <= 0.0f) {
    throw std::invalid_argument("DjEq: sample rate must be finite and > 0 Hz");
  }
  if (channels < 1) throw std::invalid_argument("DjEq: channels must be >= 1");
  if (!(low_crossover_hz > 0.0f && low_crossover_hz < high_crossover_hz &&
        high_crossover_hz < 0.45f * sample_rate_hz)) {
    throw std::invalid_argument("DjEq: need 0 < low crossover < high crossover < 0.45 x sample rate");
  }
  lp_low_ = make_low_pass(sample_rate_hz, low_crossover_hz);
  ap_low_ = make_all_pass(sample_rate_hz, low_crossover_hz);
  lp_high_ = make_low_pass(sample_rate_hz, high_crossover_hz);
  ap_high_ = make_all_pass(sample_rate_hz, high_crossover_hz);
  state_.resize(static_cast<std::size_t>(channels));
  fade_frames_ =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(kBypassFadeMs * sample_rate_hz / 1000.0f)));
  dry_.assign(kFadeChunkFrames * static_cast<std::size_t>(channels), 0.0f);
  reset();
}

bool DjEq::set_band_db(EqBand band, float gain_db) noexcept {
  if (std::isnan(gain_db) || gain_db > kMaxGainDb) return false;
  const int i = static_cast<int>(band);
  band_db_[i] = gain_db;
  const float g = db_to_band_gain(gain_db);
  switch (band) {
    case EqBand::low: gain_low_.set_target(g); break;
    case EqBand::mid: gain_mid_.set_target(g); break;
    case EqBand::high: gain_high_.set_target(g); break;
  }
  return true;
}

float DjEq::band_db(EqBand band) const noexcept {
  const float db = band_db_[static_cast<int>(band)];
  return db <= kKillDb ? -std::numeric_limits<float>::infinity() : db;
}

bool DjEq::is_flat() const noexcept {
  return band_db_[0] == 0.0f && band_db_[1] == 0.0f && band_db_[2] == 0.0f && gain_low_.settled() &&
         gain_mid_.settled() && gain_high_.settled();
}

void DjEq::reset() noexcept {
  for (ChannelState& s : state_) s = ChannelState{};
}

void DjEq::process(float* interleaved, std::size_t frames) noexcept {
  const bool flat = is_flat();
  if (fade_ == Fade::none) {
    if (bypassed_) {
      if (flat) return;
      reset();  // the filter restarts from silence under the fade-in
      bypassed_ = false;
      fade_ = Fade::to_filtered;
      fade_pos_ = 0;
    } else if (flat) {
      fade_ = Fade::to_dry;
      fade_pos_ = 0;
    }
  } else if (fade_ == Fade::to_dry && !flat) {
    fade_ = Fade::to_filtered;  // turned again mid-fade: back from the same mix
    fade_pos_ = fade_frames_ - std::min(fade_pos_, fade_frames_);
  }
  if (fade_ == Fade::none) {
    filter(interleaved, frames);
  } else {
    crossfade(interleaved, frames);
  }
}

void DjEq::crossfade(float* io, std::size_t frames) noexcept {
  const auto ch = static_cast<std::size_t>(channels_);
  const float inv = 1.0f / static_cast<float>(fade_frames_);
  std::size_t done = 0;
  while (done < frames && fade_ != Fade::none) {
    const std::size_t n = std::min({kFadeChunkFrames, frames - done, fade_frames_ - fade_pos_});
    float* chunk = io + done * ch;
    std::copy(chunk, chunk + n * ch, dry_.begin());
    filter(chunk, n);
    for (std::size_t f = 0; f < n; ++f) {
      const float p = static_cast<float>(fade_pos_ + f + 1) * inv;
      const float g = fade_ == Fade::to_filtered ? p : 1.0f - p;  // weight of the filtered signal
      for (std::size_t c = 0; c < ch; ++c) {
        const float d = dry_[f * ch + c];
        chunk[f * ch + c] = d + g * (chunk[f * ch + c] - d);
      }
    }
    fade_pos_ += n;
    done += n;
    if (fade_pos_ >= fade_frames_) {
      if (fade_ == Fade::to_dry) bypassed_ = true;
      fade_ = Fade::none;
    }
  }
  if (done < frames && !bypassed_) filter(io + done * ch, frames - done);
}

void DjEq::filter(float* interleaved, std::size_t frames) noexcept {
  const bool ramp = !(gain_low_.settled() && gain_mid_.settled() && gain_high_.settled());
  switch (channels_) {
    case 1: ramp ? run<1, true>(interleaved, frames) : run<1, false>(interleaved, frames); break;
    case 2: ramp ? run<2, true>(interleaved, frames) : run<2, false>(interleaved, frames); break;
    default: ramp ? run<0, true>(interleaved, frames) : run<0, false>(interleaved, frames); break;
  }
}

// kChannels > 0: channel count fixed at compile time, state kept in locals.
// kChannels == 0: runtime channel count, state updated in place.
template <int kChannels, bool kRamp>
void DjEq::run(float* io, std::size_t frames) noexcept {
  const Biquad lpl = lp_low_;
  const Biquad apl = ap_low_;
  const Biquad lph = lp_high_;
  const Biquad aph = ap_high_;
  const std::size_t nch = kChannels > 0 ? static_cast<std::size_t>(kChannels) : state_.size();

  constexpr std::size_t kLocal = kChannels > 0 ? static_cast<std::size_t>(kChannels) : 1;
  ChannelState local[kLocal];
  ChannelState* st = state_.data();
  if constexpr (kChannels > 0) {
    for (std::size_t c = 0; c < kLocal; ++c) local[c] = state_[c];
    st = local;
  }

  float gl = gain_low_.current();
  float gm = gain_mid_.current();
  float gh = gain_high_.current();
  for (std::size_t f = 0; f < frames; ++f) {
    if constexpr (kRamp) {
      gl = gain_low_.next();
      gm = gain_mid_.next();
      gh = gain_high_.next();
    }
    const float gmh = gm - gh;
    float* frame = io + f * nch;
    for (std::size_t c = 0; c < nch; ++c) {
      ChannelState& s = st[c];
      const float x = frame[c] + kAntiDenormal;
      const float l = tick(lpl, s.lp_low2, tick(lpl, s.lp_low1, x));
      const float r = tick(apl, s.ap_low, x) - l + kAntiDenormal;
      const float m = tick(lph, s.lp_high2, tick(lph, s.lp_high1, r));
      const float u = gl * l + gh * r + kAntiDenormal;
      frame[c] = tick(aph, s.ap_high, u) + gmh * m;
    }
  }

  if constexpr (kChannels > 0) {
    for (std::size_t c = 0; c < kLocal; ++c) state_[c] = local[c];
  }
}

}  // namespace crowdmesh::dsp
