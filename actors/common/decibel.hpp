#pragma once
#include <cmath>

namespace crowdmesh {

/// Gain in dB → linear amplitude factor (20·log10 convention). -inf dB → 0.
inline float db_to_gain(float db) noexcept { return std::pow(10.0f, db / 20.0f); }

/// Linear amplitude → dB; 0 and below map to kSilenceDb.
constexpr float kSilenceDb = -200.0f;
inline float gain_to_db(float gain) noexcept { return gain > 0.0f ? 20.0f * std::log10(gain) : kSilenceDb; }

/// RMS of a full-scale-referenced signal in dBFS (1.0 = 0 dBFS, sine RMS convention
/// without the +3 dB AES17 offset). Returns kSilenceDb for silence.
inline double rms_to_dbfs(double rms) noexcept {
  return rms > 0.0 ? 20.0 * std::log10(rms) : static_cast<double>(kSilenceDb);
}

}  // namespace crowdmesh
