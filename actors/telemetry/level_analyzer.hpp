#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "caf/expected.hpp"

namespace crowdmesh::telemetry {

/// Levels of one deck (or the master) over one telemetry interval (the audio
/// given to LevelAnalyzer::process() since the previous take()).
struct LevelReport {
  /// RMS over the interval, all channels pooled, in dBFS (1.0 = 0 dBFS; a
  /// full-scale sine reads −3.01 dBFS, no AES17 +3 dB offset); floored at
  /// LevelAnalyzer::kFloorDb, which is also the value with no audio.
  double rms_dbfs = -120.0;
  /// Largest |sample| over the interval in dBFS (sample peak, not true peak);
  /// floored at kFloorDb.
  double peak_dbfs = -120.0;
  /// EBU R 128 momentary loudness (last 400 ms) at the end of the interval, in
  /// LUFS (ITU-R BS.1770-4 via libebur128); floored at kFloorDb.
  double momentary_lufs = -120.0;
  /// EBU R 128 short-term loudness (last 3 s) in LUFS; floored at kFloorDb.
  /// Refreshed at most once per LevelAnalyzer::kShortTermRefreshSeconds of
  /// audio (its window then moves by a third); between refreshes the last
  /// value is repeated.
  double short_term_lufs = -120.0;
  /// Samples (any channel) with |x| >= 1.0 (at or over 0 dBFS) in the interval.
  std::uint64_t clipped_samples = 0;
  /// clipped_samples > 0.
  bool clipping = false;
  /// At the end of the interval the audio has stayed below
  /// kSilenceThresholdDbfs for at least kSilenceHoldSeconds (counted in frames).
  bool silent = false;
  /// Length of the current run of audio below kSilenceThresholdDbfs, in s
  /// (counted in frames, also while shorter than the hold time); 0 when the
  /// latest 10 ms block was louder.
  double silent_seconds = 0.0;
  /// Frames given in the interval.
  std::uint64_t frames = 0;
  /// NaN or ±inf samples in the interval; they are measured as 0.0 by the
  /// loudness meter and left out of RMS, peak and clipping.
  std::uint64_t nonfinite_samples = 0;
};

/// Level meter of one audio stream for telemetry: RMS and sample peak per
/// interval, EBU R 128 momentary and short-term loudness (libebur128, modes
/// M | S; ITU-R BS.1770-4 K-weighting and channel weights), clipping count and
/// a silence detector.
///
/// Silence: the audio is cut into blocks of sample_rate / 100 frames (10 ms);
/// a block is quiet when the mean square of its loudest channel is below
/// kSilenceThresholdDbfs; `silent` turns on once quiet blocks add up to
/// kSilenceHoldSeconds × sample_rate frames in a row and off with the first
/// louder block. Time is counted in frames, never wall time.
///
/// Channels: libebur128's default map (0 left, 1 right, 2 centre, 3 unused
/// (LFE), 4 left surround, 5 right surround, the rest unused); a mono stream is
/// weighted as dual mono (played on both speakers), so a mono and a stereo
/// copy of the same signal read the same loudness.
///
/// Not for the real-time callback (libebur128 is not audited for it): run it
/// in the telemetry/meter actor on copies of the blocks. Cost: see the
/// measurement in level_analyzer_test.cpp (well under 1 % of a core for 48 kHz
/// stereo on x86-64).
/// Thread contract: not thread-safe; one owner thread.
class LevelAnalyzer {
 public:
  /// Floor of every reported level, in dBFS or LUFS; also "no signal".
  static constexpr double kFloorDb = -120.0;
  /// Below this level (dBFS, RMS of the loudest channel per 10 ms block) audio counts as silence.
  static constexpr double kSilenceThresholdDbfs = -60.0;
  /// Silence must last this long (s) before `silent` is reported.
  static constexpr double kSilenceHoldSeconds = 2.0;
  /// Accepted sample rates, Hz.
  static constexpr std::uint32_t kMinSampleRateHz = 8000;
  static constexpr std::uint32_t kMaxSampleRateHz = 384000;
  /// Accepted channel counts.
  static constexpr std::uint32_t kMaxChannels = 32;
  /// Audio (s, counted in frames) between two short-term loudness queries.
  /// libebur128 sums its whole 3 s window per query (≈ 265 k samples at
  /// 44.1 kHz stereo): at a 10 Hz telemetry pace that was most of the meter's
  /// cost. EBU Tech 3341 asks a live meter for ≥ 10 updates a second; this
  /// figure is telemetry for `control_node top` and Prometheus, not a meter.
  static constexpr double kShortTermRefreshSeconds = 1.0;

  /// A meter for interleaved float audio at `sample_rate_hz` with `channels`.
  /// Errors: errc::value_out_of_range "level analyser: sample rate 1000 Hz is
  /// outside 8000..384000 Hz" (or channels outside 1..32); errc::internal when
  /// libebur128 cannot allocate its state.
  static caf::expected<LevelAnalyzer> create(std::uint32_t sample_rate_hz, std::uint32_t channels);

  /// Movable; a moved-from analyser may only be destroyed or assigned to.
  LevelAnalyzer(LevelAnalyzer&&) noexcept;
  LevelAnalyzer& operator=(LevelAnalyzer&&) noexcept;
  ~LevelAnalyzer();

  /// Measures `frames` interleaved frames × channels() floats (1.0 = full
  /// scale). Non-finite samples are counted and measured as silence. No
  /// allocation.
  void process(const float* interleaved, std::size_t frames) noexcept;

  /// The report of the interval since the previous take() (or creation), then
  /// starts a new interval: RMS, peak, clipping and frame counts reset;
  /// loudness and silence state carry on (they span intervals).
  LevelReport take() noexcept;

  /// Sample rate given to create(), Hz.
  std::uint32_t sample_rate_hz() const noexcept;
  /// Channels per frame given to create().
  std::uint32_t channels() const noexcept;

 private:
  struct Impl;
  explicit LevelAnalyzer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crowdmesh::telemetry
