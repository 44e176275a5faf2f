#pragma once
#include <cstddef>
#include <memory>

#include "caf/expected.hpp"

namespace soundtouch {
class SoundTouch;
}  // namespace soundtouch

namespace crowdmesh::stretch {

/// SoundTouch's WSOLA tuning, named after its SETTING_* ids. Defaults are
/// SoundTouch 2.3's own defaults for music (TDStretch.h DEFAULT_SEQUENCE_MS /
/// DEFAULT_SEEKWINDOW_MS = automatic, DEFAULT_OVERLAP_MS = 8; quick seek off;
/// anti-alias filter on), which are also what the `soundstretch` CLI uses without
/// -quick, -naa or -speech. Checked by SoundTouchStretcher::validate().
struct SoundTouchSettings {
  /// SETTING_SEQUENCE_MS: length of one processing sequence in ms; 0 = automatic
  /// (SoundTouch picks 40..125 ms from the tempo). Allowed 0..500.
  int sequence_ms = 0;
  /// SETTING_SEEKWINDOW_MS: window searched for the best overlap position, in ms;
  /// 0 = automatic (15..25 ms from the tempo). Allowed 0..200.
  int seek_window_ms = 0;
  /// SETTING_OVERLAP_MS: cross-fade between sequences, in ms. Allowed 1..100.
  int overlap_ms = 8;
  /// SETTING_USE_QUICKSEEK: faster, coarser overlap search.
  bool quick_seek = false;
  /// SETTING_USE_AA_FILTER: anti-alias filter of SoundTouch's rate transposer (only
  /// used when SoundTouch itself changes rate; we change tempo only).
  bool anti_alias = true;
};

/// The one wrapper around soundtouch::SoundTouch (library built with float samples,
/// SOUNDTOUCH_FLOAT_SAMPLES): changes the tempo of interleaved float audio with the
/// pitch preserved (WSOLA). Streaming: put() input, receive() output.
///
/// Thread contract: not thread-safe; one thread at a time (the stretch actor's
/// reader thread). Not real-time: put() may allocate (SoundTouch grows its FIFOs)
/// and costs a correlation search per sequence. Construction allocates.
class SoundTouchStretcher {
 public:
  /// Smallest and largest tempo ratio accepted by set_tempo() (SoundTouch itself
  /// accepts more; the project uses 0.5..2.0, see FileSource::kMinTempoRatio).
  static constexpr double kMinTempo = 0.1;
  /// See kMinTempo.
  static constexpr double kMaxTempo = 10.0;

  /// Checks `sample_rate_hz` (8000..384000), `channels` (1..8) and the ranges
  /// documented on SoundTouchSettings. Errors: errc::value_out_of_range with the
  /// value and the allowed range. Thread-safe (pure).
  static caf::expected<void> validate(int sample_rate_hz, int channels, const SoundTouchSettings& settings);

  /// A stretcher for `channels` interleaved channels at `sample_rate_hz`, tempo 1.0.
  /// Precondition: validate() accepts the arguments (out-of-range values are
  /// clamped). Allocates; throws std::bad_alloc when out of memory.
  SoundTouchStretcher(int sample_rate_hz, int channels, const SoundTouchSettings& settings);
  ~SoundTouchStretcher();
  SoundTouchStretcher(const SoundTouchStretcher&) = delete;
  SoundTouchStretcher& operator=(const SoundTouchStretcher&) = delete;

  /// Tempo ratio: 1.0 = unchanged, > 1 faster (shorter output), < 1 slower; pitch
  /// preserved. Clamped to kMinTempo..kMaxTempo; NaN is ignored. Applies to input
  /// processed from now on (no glide needed: WSOLA only changes its hop).
  void set_tempo(double ratio);
  /// Current tempo ratio.
  double tempo() const noexcept { return tempo_; }

  /// Feeds `frames` interleaved frames (channels() floats each). Processes every
  /// complete sequence at once; output becomes available to receive(). May allocate.
  void put(const float* interleaved, std::size_t frames);
  /// Moves up to `max_frames` processed frames to `interleaved`; returns frames written.
  std::size_t receive(float* interleaved, std::size_t max_frames);
  /// Processed frames ready for receive().
  std::size_t available() const;

  /// At end of input: pushes the held samples out so that the total output is
  /// input / tempo frames (SoundTouch pads with silence and trims). Call receive()
  /// until available() is 0 afterwards.
  void flush();
  /// Drops all held input and output (after a seek or a method switch).
  void clear();

  /// Input frames held inside whose output has not been received yet: unprocessed
  /// input plus ready output × tempo (rounded). Used for the file position.
  std::size_t latency_frames() const;

  /// Interleaved channels per frame.
  int channels() const noexcept { return channels_; }
  /// Sample rate in Hz.
  int sample_rate_hz() const noexcept { return sample_rate_hz_; }

 private:
  std::unique_ptr<soundtouch::SoundTouch> st_;
  int sample_rate_hz_ = 0;
  int channels_ = 0;
  double tempo_ = 1.0;
};

}  // namespace crowdmesh::stretch
