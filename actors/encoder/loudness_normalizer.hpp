#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "caf/expected.hpp"
#include "dsp/soft_limiter.hpp"
#include "encoder/pcm_format.hpp"

namespace crowdmesh::encoder {

/// Settings of a LoudnessNormalizer. Ranges are checked by LoudnessNormalizer::create().
struct LoudnessNormalizerParams {
  double target_lufs = -16.0;      ///< loudness the output should measure, LUFS, −40..−5
  double min_gain_db = -20.0;      ///< lowest gain ever applied, dB, −40..0
  double max_gain_db = 20.0;       ///< highest gain ever applied, dB, 0..40
  double slew_db_per_s = 3.0;      ///< fastest gain change, dB/s, 0.1..20
  double ceiling_dbfs = -1.0;      ///< ceiling of the limiter after the gain, dBFS, −20..0
  double history_seconds = 120.0;  ///< span of the gated integrated measurement, s, 10..3600
};

/// Loudness normalisation for an encoder output: measures the loudness of the audio it processes
/// (EBU R128 / ITU-R BS.1770 with libebur128, modes M | S | I) and applies a slowly varying gain so
/// that the output's integrated loudness approaches target_lufs, followed by a limiter
/// (dsp::SoftLimiter at ceiling_dbfs) that catches the peaks the gain creates.
///
/// Gain rule (loudness measured on the input, before gain and limiter): the momentary loudness is
/// read every kUpdateSeconds of input; short-term and integrated loudness and the gain target every
/// kTargetUpdateSeconds (each reading costs a pass over 3 s of audio):
///  - Programme start: the first update whose momentary loudness (400 ms) is at least kSilenceLufs.
///    Before it the gain stays at its start value, 0 dB.
///  - Estimate of the input loudness: while less than kShortTermSeconds of programme have been
///    measured, the loudness of everything measured since the start (libebur128 window loudness,
///    i.e. the short-term loudness of the measured part, available from the first 400 ms on); from
///    kShortTermSeconds on, the short-term loudness (3 s), moving linearly within kBlendSeconds to
///    the gated integrated loudness (ITU-R BS.1770 absolute −70 LUFS and relative −10 LU gates) over
///    the last history_seconds. Starting after 400 ms instead of 3 s keeps the start-up error small:
///    holding 0 dB for 3 s on a programme 8 LU above the target alone raises a 60 s output's
///    integrated loudness by about 1 LU.
///  - Silence gate: when the estimate's level (short-term loudness, or the window loudness before
///    3 s) is below kSilenceLufs, the gain target is kept: silence and room noise are never
///    amplified, and the gain is where it was when the programme resumes.
///  - Target gain = target_lufs − estimate, capped to min_gain_db..max_gain_db; the applied gain
///    moves towards it by at most slew_db_per_s (linear-amplitude ramps within each update period,
///    no zipper steps).
/// The result is within about ±1 LU of the target over a 60 s piece of music that starts between
/// −30 and −8 LUFS (tests/unit/encoder/loudness_normalizer_test.cpp).
///
/// Channel map: libebur128's default (L, R, C, LFE unused, Ls, Rs; 4 channels: L, R, Ls, Rs);
/// a single channel is counted as dual mono (the loudness it has when played on two speakers).
///
/// Thread contract: one owner thread (the encoder output's). Not real-time safe: libebur128
/// allocates while the history fills. Movable, not copyable.
class LoudnessNormalizer {
 public:
  /// Below this input loudness (LUFS) the gain is held (silence gate).
  static constexpr double kSilenceLufs = -50.0;
  /// Programme measured before the short-term loudness is used alone (s).
  static constexpr double kShortTermSeconds = 3.0;
  /// Time over which the estimate moves from short-term to integrated loudness (s).
  static constexpr double kBlendSeconds = 10.0;
  /// Interval between momentary-loudness readings, in seconds of input (libebur128's block hop).
  static constexpr double kUpdateSeconds = 0.1;
  /// Interval between short-term/integrated readings and gain-target updates, s of input.
  static constexpr double kTargetUpdateSeconds = 0.5;
  /// Release time constant of the limiter after the gain (ms).
  static constexpr float kLimiterReleaseMs = 80.0f;

  /// A normaliser for interleaved float audio of `format` (rate 8000..384000 Hz, 1..8 channels).
  /// Errors: errc::value_out_of_range naming the parameter or format field, its value and its range;
  /// errc::internal when libebur128 cannot start.
  static caf::expected<LoudnessNormalizer> create(PcmFormat format, const LoudnessNormalizerParams& params = {});

  LoudnessNormalizer(LoudnessNormalizer&&) noexcept;
  LoudnessNormalizer& operator=(LoudnessNormalizer&&) noexcept;
  LoudnessNormalizer(const LoudnessNormalizer&) = delete;
  LoudnessNormalizer& operator=(const LoudnessNormalizer&) = delete;
  ~LoudnessNormalizer();

  /// Measures, applies the gain and limits interleaved frames × format().channels floats in place.
  /// Any block size. If libebur128 runs out of memory the measurement stops and the gain is held.
  void process(float* interleaved, std::size_t frames);
  /// Starts over for a new format (after a format change of the mix): fresh measurement, gain
  /// 0 dB, limiter cleared. On error (as create()) the normaliser is left unchanged.
  caf::expected<void> reset(PcmFormat format);

  /// Gain applied at the end of the last process() call, dB.
  double gain_db() const noexcept { return gain_db_; }
  /// Gain the normaliser is moving towards, dB.
  double target_gain_db() const noexcept { return target_gain_db_; }
  /// Input loudness, LUFS: momentary (400 ms, read every kUpdateSeconds), short-term (3 s) and
  /// gated integrated (over the last history_seconds), both read every kTargetUpdateSeconds. −∞ while nothing above the
  /// −70 LUFS absolute gate has been measured (libebur128's convention).
  double momentary_lufs() const noexcept { return momentary_lufs_; }
  double short_term_lufs() const noexcept { return short_term_lufs_; }
  double integrated_lufs() const noexcept { return integrated_lufs_; }
  /// The limiter after the gain (gain reduction readout).
  const dsp::SoftLimiter& limiter() const noexcept { return *limiter_; }

  PcmFormat format() const noexcept { return format_; }
  const LoudnessNormalizerParams& params() const noexcept { return params_; }

 private:
  struct Meter;  // owns the libebur128 state

  LoudnessNormalizer(PcmFormat format, const LoudnessNormalizerParams& params, std::unique_ptr<Meter> meter,
                     std::unique_ptr<dsp::SoftLimiter> limiter);
  static caf::expected<std::unique_ptr<Meter>> make_meter(PcmFormat format, double history_seconds);
  void update_target();
  void apply_gain(float* interleaved, std::size_t frames);

  PcmFormat format_;
  LoudnessNormalizerParams params_;
  std::unique_ptr<Meter> meter_;
  std::unique_ptr<dsp::SoftLimiter> limiter_;
  std::size_t update_frames_ = 0;   // frames per update period
  std::size_t pending_frames_ = 0;  // frames measured since the last update
  bool meter_failed_ = false;
  bool started_ = false;
  unsigned updates_ = 0;            // momentary readings so far
  double programme_seconds_ = 0.0;  // measured since the programme start
  double gain_db_ = 0.0;
  double target_gain_db_ = 0.0;
  double momentary_lufs_;
  double short_term_lufs_;
  double integrated_lufs_;
};

}  // namespace crowdmesh::encoder
