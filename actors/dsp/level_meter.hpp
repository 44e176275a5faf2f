#pragma once
#include <cstddef>
#include <cstdint>

namespace crowdmesh::dsp {

/// RMS and sample-peak meter over all samples (all channels pooled) since the last reset().
/// dBFS: 1.0 full scale = 0 dBFS, sine RMS without the AES17 +3 dB offset (a full-scale sine
/// reads −3.01 dBFS RMS and 0 dBFS peak); silence (or nothing measured) reads kSilenceDbfs.
///
/// Thread contract: not thread-safe; one owner thread. process() is real-time safe (noexcept,
/// no allocation, no locks); a telemetry reader should take rms_dbfs()/peak_dbfs() on the
/// owner thread and publish the values, then reset().
class LevelMeter {
 public:
  /// Level reported for silence (dBFS).
  static constexpr double kSilenceDbfs = -200.0;

  /// Accumulates interleaved frames × channels floats (channels >= 1).
  /// Non-finite samples are skipped (not counted). Real-time safe.
  void process(const float* interleaved, std::size_t frames, int channels) noexcept;
  /// RMS level since the last reset, in dBFS; kSilenceDbfs when silent or empty.
  double rms_dbfs() const noexcept;
  /// Largest |sample| since the last reset, in dBFS; kSilenceDbfs when silent or empty.
  double peak_dbfs() const noexcept;
  /// Largest |sample| since the last reset (linear, 1.0 = full scale).
  float peak() const noexcept { return peak_; }
  /// Samples accumulated since the last reset (frames × channels).
  std::uint64_t samples() const noexcept { return samples_; }
  /// Clears the accumulators. Real-time safe.
  void reset() noexcept;

 private:
  double sum_squares_ = 0.0;
  std::uint64_t samples_ = 0;
  float peak_ = 0.0f;
};

}  // namespace crowdmesh::dsp
