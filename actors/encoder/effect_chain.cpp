#include "encoder/effect_chain.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

caf::error out_of_range(const char* what, double value, const char* unit, double lo, double hi) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s %g%s is out of range: must be within %g..%g%s", what, value, unit, lo, hi, unit);
  return make_error(errc::value_out_of_range, buf);
}

bool within(double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; }

}  // namespace

caf::expected<EffectChain> make_effect_chain(const EffectSettings& settings, PcmFormat format) {
  if (format.sample_rate_hz < 8000 || format.sample_rate_hz > 384000) {
    return out_of_range("effect chain sample rate", format.sample_rate_hz, " Hz", 8000, 384000);
  }
  if (format.channels < 1 || format.channels > 8) {
    return out_of_range("effect chain channels", format.channels, "", 1, 8);
  }
  const auto fs = static_cast<double>(format.sample_rate_hz);
  const auto channels = static_cast<int>(format.channels);
  EffectChain chain(format, settings);

  if (settings.eq.enabled) {
    const EqSettings& eq = settings.eq;
    const double m = EqSettings::kMaxBandDb;
    if (!within(eq.low_db, -m, m)) return out_of_range("EQ low shelf gain", eq.low_db, " dB", -m, m);
    if (!within(eq.mid_db, -m, m)) return out_of_range("EQ mid gain", eq.mid_db, " dB", -m, m);
    if (!within(eq.high_db, -m, m)) return out_of_range("EQ high shelf gain", eq.high_db, " dB", -m, m);
    // Bands at or above half the sample rate (low rates) are left out.
    if (eq.highpass) chain.eq_.emplace_back(dsp::BiquadType::highpass, fs, channels, EqSettings::kHighpassHz);
    if (eq.low_db != 0.0) {
      chain.eq_.emplace_back(dsp::BiquadType::low_shelf, fs, channels, EqSettings::kLowShelfHz, 1.0, eq.low_db);
    }
    if (eq.mid_db != 0.0 && EqSettings::kMidHz < fs / 2.0) {
      chain.eq_.emplace_back(dsp::BiquadType::peaking, fs, channels, EqSettings::kMidHz, EqSettings::kMidQ, eq.mid_db);
    }
    if (eq.high_db != 0.0 && EqSettings::kHighShelfHz < fs / 2.0) {
      chain.eq_.emplace_back(dsp::BiquadType::high_shelf, fs, channels, EqSettings::kHighShelfHz, 1.0, eq.high_db);
    }
  }

  if (settings.compressor.enabled) {
    const std::string problem = dsp::Compressor::check(settings.compressor.params, static_cast<float>(fs));
    if (!problem.empty()) return make_error(errc::value_out_of_range, problem);
    chain.compressor_ = std::make_unique<dsp::Compressor>(settings.compressor.params, static_cast<float>(fs), channels);
  }

  if (settings.loudness.enabled) {
    auto normalizer = LoudnessNormalizer::create(format, settings.loudness.params);
    if (!normalizer) return normalizer.error();
    chain.loudness_.emplace(std::move(*normalizer));
  }

  if (settings.limiter.enabled) {
    if (!within(settings.limiter.ceiling_dbfs, -20.0, 0.0)) {
      return out_of_range("limiter ceiling", settings.limiter.ceiling_dbfs, " dBFS", -20, 0);
    }
    chain.limiter_ = std::make_unique<dsp::SoftLimiter>(static_cast<float>(fs), channels,
                                                        static_cast<float>(settings.limiter.ceiling_dbfs));
  }
  return chain;
}

void EffectChain::process(float* interleaved, std::size_t frames) {
  for (dsp::Biquad& section : eq_) section.process(interleaved, frames);
  if (compressor_) compressor_->process(interleaved, frames);
  if (loudness_) loudness_->process(interleaved, frames);
  if (limiter_) limiter_->process(interleaved, frames);
}

}  // namespace crowdmesh::encoder
