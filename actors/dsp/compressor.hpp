#pragma once
#include <atomic>
#include <cstddef>
#include <string>

namespace crowdmesh::dsp {

/// Settings of a Compressor. Allowed ranges are checked by Compressor::check().
struct CompressorParams {
  float threshold_dbfs = -18.0f;  ///< T, dBFS (sample level; 1.0 = 0 dBFS), −60..0
  float ratio = 3.0f;             ///< R, input dB per output dB above the threshold, 1..50
  float knee_db = 6.0f;           ///< W, width of the soft knee centred on T, dB, 0..24 (0 = hard knee)
  float attack_ms = 10.0f;        ///< attack time constant, ms, 0.1..500
  float release_ms = 150.0f;      ///< release time constant, ms, 1..5000
  float makeup_db = 0.0f;         ///< gain added after compression, dB, −24..+24
};

/// Feed-forward dynamic range compressor after Giannoulis, Massberg & Reiss, "Digital Dynamic Range
/// Compressor Design — A Tutorial and Analysis", JAES 60(6), 2012: level detection and smoothing
/// in the log domain, stereo-linked (one gain for all channels).
///
/// Per frame, with the parameters of CompressorParams:
///  - x_G = 20·log10(max over channels |x|) (dBFS);
///  - static curve with soft knee (paper eq. 4):
///      y_G = x_G                                   when 2(x_G − T) < −W
///      y_G = x_G + (1/R − 1)(x_G − T + W/2)² / (2W) when |2(x_G − T)| <= W
///      y_G = T + (x_G − T)/R                       when 2(x_G − T) > W;
///  - x_L = x_G − y_G (gain reduction wanted, dB >= 0);
///  - smooth decoupled peak detector (paper eq. 17):
///      y_1 = max(x_L, α_R·y_1 + (1 − α_R)·x_L),  y_L = α_A·y_L + (1 − α_A)·y_1,
///    α = exp(−1 / (τ·fs)) with τ = attack_ms or release_ms (time constants: a step in the
///    wanted reduction is 63 % reached after attack_ms; a drop decays to 37 % after about
///    release_ms + attack_ms);
///  - every sample of the frame is multiplied by 10^((makeup_db − y_L)/20).
/// Zero latency (no look-ahead), so fast transients pass the attack: put a limiter after it.
///
/// Validation: construct only with parameters for which check() returns an empty string; the
/// constructor throws std::invalid_argument with check()'s sentence otherwise (this library has no
/// error-code dependency; callers that take external settings call check() first and turn the
/// sentence into their own error).
///
/// Thread contract: process() and reset() from one owner thread, real-time safe (noexcept, no
/// allocation, no locks). gain_reduction_db() may be read from any thread (a relaxed atomic
/// updated once per process() call).
class Compressor {
 public:
  /// An empty string when `params` are valid for `sample_rate_hz`, else a sentence naming the
  /// first invalid parameter, its value and its allowed range (see CompressorParams); NaN and
  /// infinities are invalid. sample_rate_hz must be finite and > 0.
  static std::string check(const CompressorParams& params, float sample_rate_hz = 48000.0f);

  /// A compressor for `channels` (>= 1) interleaved channels at sample_rate_hz (Hz).
  /// Throws std::invalid_argument with check()'s sentence (or "channels must be >= 1").
  Compressor(const CompressorParams& params, float sample_rate_hz, int channels);

  /// In place on interleaved frames × channels floats. Real-time safe. Non-finite samples are not
  /// sanitised.
  void process(float* interleaved, std::size_t frames) noexcept;
  /// Clears the detector (no gain reduction). Real-time safe.
  void reset() noexcept;

  /// Smoothed gain reduction y_L at the end of the last process() call, dB (>= 0; makeup not
  /// included). Any thread.
  float gain_reduction_db() const noexcept { return gain_reduction_out_.load(std::memory_order_relaxed); }
  /// The static curve's gain reduction x_G − y_G for an input level in dBFS (dB >= 0).
  float static_reduction_db(float level_dbfs) const noexcept;

  /// Parameters given at construction.
  const CompressorParams& params() const noexcept { return params_; }
  /// Samples per frame given at construction.
  int channels() const noexcept { return channels_; }

 private:
  CompressorParams params_;
  int channels_;
  float alpha_attack_;
  float alpha_release_;
  float knee_start_linear_;  // input level below which the static curve does nothing
  float makeup_linear_;
  float y1_ = 0.0f;
  float yl_ = 0.0f;
  std::atomic<float> gain_reduction_out_{0.0f};
};

}  // namespace crowdmesh::dsp
