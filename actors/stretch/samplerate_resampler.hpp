#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "caf/expected.hpp"
#include "stretch/resampler_quality.hpp"

namespace crowdmesh::stretch {

namespace detail {
class ResamplerConverter;  // libsamplerate or the polyphase filter behind one streaming interface
}  // namespace detail

/// The one wrapper around libsamplerate's full API (src_new / src_process):
/// streaming sample-rate conversion of interleaved float frames with a ratio
/// (output rate / input rate) that can change between calls, for varispeed.
///
/// ResamplerQuality::polyphase runs the project's polyphase windowed-sinc
/// filter (dsp::DriftResampler: 64 taps, Kaiser β 9) instead of libsamplerate,
/// with the same semantics (passthrough, priming, steps, end of input: the
/// filter tail is flushed by feeding it silence). Its cutoff is the INPUT's
/// Nyquist frequency, so at ratios below 1 the band between the output's and
/// the input's Nyquist folds back below the output's Nyquist. Measured
/// (samplerate_resampler_polyphase_test.cpp, AliasingFiguresBelowRatioOne;
/// levels re the input sine; nothing folds below 2 − 1/ratio × the output's Nyquist):
///   ratio 120/126 (0.952, a 120 BPM file at 126 BPM): a sine at 0.49 × the
///     input rate aliases to 0.971 × the output's Nyquist at −2.5 dB
///     (libsamplerate sinc_medium: −123 dB); the floor is 0.950 × Nyquist.
///   ratio 44100/48000 (0.919, a 48 kHz file on a 44.1 kHz device): 22.56 kHz
///     (0.47 × the input rate) lands at 21.54 kHz (0.977 × Nyquist) at −0.2 dB,
///     23.52 kHz (0.49 ×) at 20.58 kHz (0.933 ×) at −2.5 dB (sinc_medium: −126
///     and −165 dB); the floor is 0.912 × Nyquist, 20.1 kHz.
///   A sine at 0.45 × the input rate is below the output's Nyquist at both
///     ratios and passes at 0 dB; one at 0.4 × the OUTPUT rate comes within
///     −90 dB (120/126) and −96 dB (44100/48000) of the exact sine.
/// Rule: polyphase converts while the ratio is at least kPolyphaseMinRatio
/// (0.9: whatever folds lands above 2 − 1/0.9 = 0.889 × the output's Nyquist,
/// 19.6 kHz at 44.1 kHz, where music has little energy and few listeners
/// hear); below it the polyphase quality uses libsamplerate's sinc_medium.
/// The choice is made whenever a converter starts from a clean state: at
/// create(), at the first set_ratio() after reset() or create() (before any
/// input), and at the hand-over from passthrough. A set_ratio() across the
/// threshold while converting keeps the running converter until reset()
/// (switching mid-stream would leave a seam).
///
/// Passthrough: while a sinc or polyphase converter's ratio has been exactly 1 since create() or reset()
/// (a file at the device rate, played at its own tempo), process() copies
/// input to output and libsamplerate does not run: the frames are the file's,
/// bit for bit, at a fraction of the cost (the sinc converter was most of a
/// node's CPU with four such decks, docs/BENCHMARKS.md). The first
/// set_ratio() to another value hands over without a seam: libsamplerate is
/// primed with the last kPrimeFrames frames passed through, at ratio 1, and
/// its outputs for them are discarded, so its next output is the next input
/// frame, converted with the full filter history. A ratio back to exactly 1
/// keeps the converter running (the fractional phase could not be dropped
/// without a seam) until reset().
///
/// Thread contract: not thread-safe; one thread at a time (the reader thread).
/// create() allocates (src_new, the polyphase table and the priming buffers), so it is not
/// real-time. process() and set_ratio() do not allocate on success, but a sinc
/// converter costs tens of µs per block: keep it off the real-time thread too
/// (it runs ahead of the play head).
class SamplerateResampler {
 public:
  /// Frames consumed and produced by one process() call.
  struct Result {
    std::size_t input_used = 0;        ///< input frames consumed
    std::size_t output_generated = 0;  ///< output frames written
  };

  /// Smallest and largest ratio libsamplerate accepts (src_is_valid_ratio).
  static constexpr double kMinRatio = 1.0 / 256.0;
  /// See kMinRatio.
  static constexpr double kMaxRatio = 256.0;
  /// Frames of passthrough history fed to libsamplerate when it takes over:
  /// more than the widest sinc filter reaches back at the ratios a source uses
  /// (SRC_SINC_BEST_QUALITY: ~143 input frames at ratio 1, 2× that at ratio
  /// 0.5; libsamplerate's src_sinc.c coefficient tables).
  static constexpr std::size_t kPrimeFrames = 1024;
  /// Smallest ratio at which ResamplerQuality::polyphase runs the polyphase
  /// filter; below it, libsamplerate's sinc_medium (see the class comment).
  static constexpr double kPolyphaseMinRatio = 0.9;

  /// A converter of `quality` for `channels` (1..8) interleaved channels at
  /// `ratio` = output rate / input rate (e.g. 48000.0 / 44100.0). Errors:
  /// errc::value_out_of_range (channels or ratio outside their range; the sentence
  /// has the value and the range); errc::internal (src_new failed, with its message).
  /// Quality polyphase creates both converters (the polyphase filter and
  /// sinc_medium) so that switching between them never allocates.
  static caf::expected<std::unique_ptr<SamplerateResampler>> create(ResamplerQuality quality, int channels,
                                                                    double ratio);

  ~SamplerateResampler();
  SamplerateResampler(const SamplerateResampler&) = delete;
  SamplerateResampler& operator=(const SamplerateResampler&) = delete;

  /// Converts up to `in_frames` frames from `in` into at most `out_capacity` frames
  /// at `out` (both interleaved, channels() floats per frame; pointers must be
  /// non-null even for zero frames). Input not consumed must be offered again.
  /// With `end_of_input` the internal filter tail is flushed: call repeatedly with
  /// no input until output_generated is 0. In passthrough (see the class
  /// comment) it copies min(in_frames, out_capacity) frames. Right after the
  /// hand-over a call may consume input and output nothing (the primed
  /// converter catching up). Errors: errc::internal with libsamplerate's
  /// message (src_process failed).
  caf::expected<Result> process(const float* in, std::size_t in_frames, float* out, std::size_t out_capacity,
                                bool end_of_input);

  /// Sets the conversion ratio (output / input rate) from the next output frame on
  /// (a step: src_set_ratio, so the change lands at the same frame however the
  /// caller cuts its blocks; the waveform stays continuous). Leaving
  /// passthrough primes the converter (see the class comment). Errors:
  /// errc::value_out_of_range when outside kMinRatio..kMaxRatio or not finite;
  /// errc::internal when priming fails in src_process (the ratio stays).
  caf::expected<void> set_ratio(double ratio);
  /// Current ratio (output rate / input rate).
  double ratio() const noexcept { return ratio_; }

  /// Forgets all history (filter state, end of input). The next output starts
  /// fresh, in passthrough again when the ratio is exactly 1.
  void reset() noexcept;

  /// True while process() copies instead of converting (see the class comment).
  bool passthrough() const noexcept { return passthrough_; }

  /// Interleaved channels per frame.
  int channels() const noexcept { return channels_; }
  /// Converter asked for at create().
  ResamplerQuality quality() const noexcept { return quality_; }
  /// True while the polyphase filter (rather than libsamplerate) converts:
  /// quality polyphase at a ratio of at least kPolyphaseMinRatio when the
  /// converter last started (see the class comment).
  bool polyphase_active() const noexcept;

 private:
  SamplerateResampler();

  bool may_pass_through() const noexcept;                      // a time-aligned converter at ratio exactly 1
  void start_converter(double ratio, double first_ratio) noexcept;  // picks it for `ratio`, restarts it at first_ratio
  void remember(const float* frames, std::size_t n) noexcept;  // passthrough history
  caf::expected<void> prime(double ratio);                     // the converter for `ratio` takes over from passthrough
  // Runs the converter at ratio 1 into scratch_ until the primed outputs are
  // discarded; returns input frames consumed (errors as process()).
  caf::expected<std::size_t> discard_primed(const float* in, std::size_t in_frames, bool end_of_input);

  using Converter = detail::ResamplerConverter;
  std::unique_ptr<Converter> src_;        // libsamplerate (sinc_medium for quality polyphase)
  std::unique_ptr<Converter> polyphase_;  // quality polyphase only
  Converter* active_ = nullptr;           // src_ or polyphase_
  bool fresh_ = true;                     // the converter has taken no input since it started
  ResamplerQuality quality_ = ResamplerQuality::sinc_medium;
  int channels_ = 0;
  double ratio_ = 1.0;
  bool passthrough_ = false;
  std::vector<float> history_;       // kPrimeFrames × channels, a ring of the last frames passed through
  std::size_t history_pos_ = 0;      // oldest frame of history_
  std::vector<float> scratch_;       // kPrimeFrames × channels: linear history, then discarded output
  std::size_t discard_pending_ = 0;  // primed outputs still to discard before ratio_ applies
};

}  // namespace crowdmesh::stretch
