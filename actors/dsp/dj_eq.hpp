#pragma once
#include <cstddef>
#include <vector>

#include "dsp/smoothed_gain.hpp"

namespace crowdmesh::dsp {

/// The three bands of a DjEq.
enum class EqBand { low, mid, high };

/// 3-band DJ EQ: Linkwitz–Riley 4th-order crossovers near 200 Hz and 2 kHz split the signal into
/// low/mid/high (with all-pass phase compensation so all bands at 0 dB sum to a flat magnitude);
/// each band from full kill to +6 dB, band gains smoothed per sample.
///
/// Filters (coefficients from the RBJ Audio EQ Cookbook, bilinear transform pre-warped at
/// the crossover, Q = 1/√2):
///  - LR4 low-pass = two cascaded Butterworth 2nd-order low-pass sections (Linkwitz–Riley).
///  - LR4 high-pass is not filtered separately: LR4 LP + LR4 HP = 2nd-order all-pass with
///    Q = 1/√2 (because (s²+√2s+1)(s²−√2s+1) = s⁴+1; exact under the bilinear transform),
///    so HP = AP − LP.
///  - With l = LP₂₀₀(x), r = AP₂₀₀(x) − l, m = LP₂ₖ(r) the bands are
///    low = AP₂ₖ(l) (phase compensation), mid = m, high = AP₂ₖ(r) − m, and
///    y = gL·low + gM·mid + gH·high = AP₂ₖ(gL·l + gH·r) + (gM − gH)·m
///    (6 biquads per channel instead of 9). All gains 1 → y = AP₂ₖ(AP₂₀₀(x)):
///    flat magnitude, phase of an all-pass.
/// Bypass: a flat EQ (all bands at 0 dB, gains settled) is skipped, so a deck
/// nobody touched costs nothing and plays its samples untouched. Entering and
/// leaving the bypass crossfade linearly over kBypassFadeMs between the dry
/// signal and the filtered one (whose state restarts from zero on entry), so
/// neither way clicks although the flat filter is an all-pass, not an identity.
/// Biquads are transposed direct form II with float state. A tiny DC offset
/// (kAntiDenormal, about −360 dBFS) is added at each filter input so the state never
/// becomes subnormal, whatever the FPU's flush-to-zero setting.
///
/// Thread contract: not thread-safe; one owner thread (the audio thread) calls set_band_db(),
/// process() and reset(). Everything except the constructor is real-time safe: noexcept,
/// no allocation, no locks. Construction allocates per-channel state.
class DjEq {
 public:
  /// Highest accepted band gain (dB).
  static constexpr float kMaxGainDb = 6.0f;
  /// At or below this value a band is fully killed (gain 0).
  static constexpr float kKillDb = -60.0f;
  /// Time constant of the per-sample band-gain smoothing (ms).
  static constexpr float kGainSmoothingMs = 10.0f;
  /// DC offset added at filter inputs against subnormal state (linear, full scale = 1).
  static constexpr float kAntiDenormal = 1e-18f;
  /// Length of the crossfade into and out of the flat bypass (ms).
  static constexpr float kBypassFadeMs = 10.0f;

  /// sample_rate_hz > 0 (Hz); channels >= 1 (interleaved samples per frame);
  /// crossovers in Hz with 0 < low_crossover_hz < high_crossover_hz < 0.45 · sample_rate_hz.
  /// All bands start at 0 dB. Throws std::invalid_argument otherwise. Allocates; not real-time.
  DjEq(float sample_rate_hz, int channels, float low_crossover_hz = 200.0f, float high_crossover_hz = 2000.0f);

  /// Sets a band's gain in dB (<= kKillDb → kill, i.e. linear 0). Returns false and changes nothing
  /// when gain_db is NaN or > kMaxGainDb (−inf is a valid kill). The change is smoothed per
  /// sample (kGainSmoothingMs). Real-time safe.
  bool set_band_db(EqBand band, float gain_db) noexcept;
  /// The band's target in dB as last set; −inf for a killed band (target <= kKillDb).
  float band_db(EqBand band) const noexcept;
  /// True when all band targets are 0 dB and smoothing has settled.
  bool is_flat() const noexcept;
  /// True while process() leaves the samples untouched (flat, fade out of the filter done).
  bool bypassed() const noexcept { return bypassed_; }
  /// In place on interleaved frames × channels floats (channels given at construction).
  /// Skips a flat EQ, crossfading in and out of the bypass (class comment). Real-time safe.
  void process(float* interleaved, std::size_t frames) noexcept;
  /// Clears filter state (band gains and their smoothing are kept). Real-time safe.
  void reset() noexcept;

  /// Samples per frame given at construction.
  int channels() const noexcept { return channels_; }
  /// Sample rate given at construction (Hz).
  float sample_rate_hz() const noexcept { return sample_rate_hz_; }

  /// Normalised biquad coefficients (a0 = 1) for y = b0·x + b1·x₋₁ + b2·x₋₂ − a1·y₋₁ − a2·y₋₂.
  struct Biquad {
    float b0, b1, b2, a1, a2;
  };

 private:
  // TDF-II state (z1, z2) of the six sections of one channel.
  struct ChannelState {
    float lp_low1[2];
    float lp_low2[2];
    float ap_low[2];
    float lp_high1[2];
    float lp_high2[2];
    float ap_high[2];
  };

  template <int kChannels, bool kRamp>
  void run(float* interleaved, std::size_t frames) noexcept;
  void filter(float* interleaved, std::size_t frames) noexcept;  // the filter alone, no bypass
  void crossfade(float* interleaved, std::size_t frames) noexcept;

  enum class Fade { none, to_filtered, to_dry };
  /// Frames filtered per step of a crossfade (the dry copy's size).
  static constexpr std::size_t kFadeChunkFrames = 256;

  float sample_rate_hz_;
  int channels_;
  Biquad lp_low_;
  Biquad ap_low_;
  Biquad lp_high_;
  Biquad ap_high_;
  float band_db_[3] = {0.0f, 0.0f, 0.0f};
  SmoothedGain gain_low_;
  SmoothedGain gain_mid_;
  SmoothedGain gain_high_;
  std::vector<ChannelState> state_;
  bool bypassed_ = true;  // starts flat
  Fade fade_ = Fade::none;
  std::size_t fade_pos_ = 0;     // frames into the current fade
  std::size_t fade_frames_ = 1;  // kBypassFadeMs at the sample rate
  std::vector<float> dry_;       // kFadeChunkFrames × channels
};

}  // namespace crowdmesh::dsp
