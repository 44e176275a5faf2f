#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "caf/expected.hpp"
#include "dsp/biquad.hpp"
#include "dsp/compressor.hpp"
#include "dsp/soft_limiter.hpp"
#include "encoder/loudness_normalizer.hpp"
#include "encoder/pcm_format.hpp"

namespace crowdmesh::encoder {

/// Broadcast-style 3-band EQ of an encoder output (RBJ Audio EQ Cookbook biquads, see dsp::Biquad),
/// at fixed frequencies: an optional 80 Hz highpass (Butterworth, Q = 1/√2) against rumble, a low
/// shelf at 150 Hz (slope 1), a peaking band at 2.5 kHz (Q 0.7) and a high shelf at 8 kHz
/// (slope 1). Bands at 0 dB, and bands whose frequency is not below half the sample rate (e.g. the
/// 8 kHz shelf at 8 or 16 kHz), are left out. The defaults are the `podcast` curve (less boom, a
/// little more presence and air).
struct EqSettings {
  static constexpr double kHighpassHz = 80.0;
  static constexpr double kLowShelfHz = 150.0;
  static constexpr double kMidHz = 2500.0;
  static constexpr double kMidQ = 0.7;
  static constexpr double kHighShelfHz = 8000.0;
  /// Band gains are limited to ±kMaxBandDb (dB).
  static constexpr double kMaxBandDb = 12.0;

  bool enabled = false;
  bool highpass = true;  ///< 80 Hz highpass
  double low_db = -2.0;  ///< low shelf gain, dB
  double mid_db = 1.5;   ///< peaking band gain, dB
  double high_db = 1.0;  ///< high shelf gain, dB
};

/// Compressor stage (see dsp::Compressor for the curve and the parameter ranges).
struct CompressorSettings {
  bool enabled = false;
  dsp::CompressorParams params;  ///< defaults: −18 dBFS, 3:1, 6 dB knee, 10/150 ms, 0 dB makeup
};

/// Loudness normalisation stage (see LoudnessNormalizer; it ends with its own limiter at
/// params.ceiling_dbfs).
struct LoudnessSettings {
  bool enabled = false;
  LoudnessNormalizerParams params;  ///< target −16 LUFS by default
};

/// Final limiter stage (dsp::SoftLimiter, release 80 ms).
struct LimiterSettings {
  bool enabled = false;
  double ceiling_dbfs = -1.0;  ///< no output sample exceeds this, dBFS, −20..0
};

/// The effects of one encoder output; everything is off by default.
struct EffectSettings {
  EqSettings eq;
  CompressorSettings compressor;
  LoudnessSettings loudness;
  LimiterSettings limiter;
  /// True when at least one stage is enabled.
  bool any() const { return eq.enabled || compressor.enabled || loudness.enabled || limiter.enabled; }
};

/// The effects of one encoder output for one PcmFormat, applied in place in the order
/// EQ → compressor → loudness normalisation (with its limiter) → limiter. Disabled stages cost
/// nothing; with nothing enabled the audio passes bit for bit.
///
/// Thread contract: one owner thread (the encoder output's). process() does not allocate except
/// inside libebur128 while its loudness history fills (see LoudnessNormalizer). Movable.
class EffectChain {
 public:
  /// Processes interleaved frames × format().channels floats in place (any block size).
  void process(float* interleaved, std::size_t frames);

  PcmFormat format() const noexcept { return format_; }
  const EffectSettings& settings() const noexcept { return settings_; }
  /// The stages, for readouts (gain reduction, loudness); nullptr when disabled.
  const dsp::Compressor* compressor() const noexcept { return compressor_.get(); }
  const LoudnessNormalizer* loudness() const noexcept { return loudness_ ? &*loudness_ : nullptr; }
  const dsp::SoftLimiter* limiter() const noexcept { return limiter_.get(); }
  /// Number of biquad sections in the EQ stage (0 when disabled or flat).
  std::size_t eq_sections() const noexcept { return eq_.size(); }

 private:
  friend caf::expected<EffectChain> make_effect_chain(const EffectSettings& settings, PcmFormat format);
  EffectChain(PcmFormat format, const EffectSettings& settings) : format_(format), settings_(settings) {}

  PcmFormat format_;
  EffectSettings settings_;
  std::vector<dsp::Biquad> eq_;
  std::unique_ptr<dsp::Compressor> compressor_;
  std::optional<LoudnessNormalizer> loudness_;
  std::unique_ptr<dsp::SoftLimiter> limiter_;
};

/// Builds the chain of `settings` for `format` (rate 8000..384000 Hz, 1..8 channels). After a
/// format change of the mix, build a new chain (the loudness measurement starts over).
/// Errors: errc::value_out_of_range naming the stage, the parameter, its value and its range (e.g.
/// "compressor ratio 0.5 is out of range: must be within 1..50"), or the format field;
/// errc::internal when libebur128 cannot start.
caf::expected<EffectChain> make_effect_chain(const EffectSettings& settings, PcmFormat format);

}  // namespace crowdmesh::encoder
