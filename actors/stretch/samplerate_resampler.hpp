#pragma once
#include <cstddef>
#include <memory>

#include "caf/expected.hpp"
#include "stretch/resampler_quality.hpp"

namespace crowdmesh::stretch {

/// The one wrapper around libsamplerate's full API (src_new / src_process):
/// streaming sample-rate conversion of interleaved float frames with a ratio
/// (output rate / input rate) that can change between calls, for varispeed.
///
/// Thread contract: not thread-safe; one thread at a time (the reader thread).
/// create() allocates (src_new), so it is not real-time. process() does not
/// allocate on success, but a sinc converter costs tens of µs per block: keep it
/// off the real-time thread too (it runs ahead of the play head).
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

  /// A converter of `quality` for `channels` (1..8) interleaved channels at
  /// `ratio` = output rate / input rate (e.g. 48000.0 / 44100.0). Errors:
  /// errc::value_out_of_range (channels or ratio outside their range; the sentence
  /// has the value and the range); errc::internal (src_new failed, with its message).
  static caf::expected<std::unique_ptr<SamplerateResampler>> create(ResamplerQuality quality, int channels,
                                                                    double ratio);

  ~SamplerateResampler();
  SamplerateResampler(const SamplerateResampler&) = delete;
  SamplerateResampler& operator=(const SamplerateResampler&) = delete;

  /// Converts up to `in_frames` frames from `in` into at most `out_capacity` frames
  /// at `out` (both interleaved, channels() floats per frame; pointers must be
  /// non-null even for zero frames). Input not consumed must be offered again.
  /// With `end_of_input` the internal filter tail is flushed: call repeatedly with
  /// no input until output_generated is 0. Errors: errc::internal with
  /// libsamplerate's message (src_process failed).
  caf::expected<Result> process(const float* in, std::size_t in_frames, float* out, std::size_t out_capacity,
                                bool end_of_input);

  /// Sets the conversion ratio (output / input rate) from the next output frame on
  /// (a step: src_set_ratio, so the change lands at the same frame however the
  /// caller cuts its blocks; the waveform stays continuous). Errors:
  /// errc::value_out_of_range when outside kMinRatio..kMaxRatio or not finite.
  caf::expected<void> set_ratio(double ratio);
  /// Current ratio (output rate / input rate).
  double ratio() const noexcept { return ratio_; }

  /// Forgets all history (filter state, end of input). The next output starts fresh.
  void reset() noexcept;

  /// Interleaved channels per frame.
  int channels() const noexcept { return channels_; }
  /// Converter used.
  ResamplerQuality quality() const noexcept { return quality_; }

 private:
  SamplerateResampler() = default;

  void* state_ = nullptr;  // SRC_STATE*, opaque so users need not include samplerate.h
  ResamplerQuality quality_ = ResamplerQuality::sinc_medium;
  int channels_ = 0;
  double ratio_ = 1.0;
};

}  // namespace crowdmesh::stretch
