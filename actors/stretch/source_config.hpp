#pragma once
#include <cstddef>
#include <cstdint>

#include "stretch/resampler_quality.hpp"
#include "stretch/soundtouch_stretcher.hpp"
#include "stretch/stretch_method.hpp"

namespace crowdmesh::stretch {

/// Settings of one FileSource; validated by FileSource::open().
struct SourceConfig {
  /// Device (output) sample rate in Hz; allowed 8000..384000.
  int device_rate_hz = 48000;
  /// Device channel count (interleaved output frames); allowed 1..8.
  int device_channels = 2;
  /// libsamplerate converter used for file rate → device rate.
  ResamplerQuality quality = ResamplerQuality::sinc_medium;
  /// FIFO capacity in device-rate frames (~1 s at 48 kHz); rounded up to a power of
  /// two by the ring. Allowed 256..16777216.
  std::size_t fifo_frames = 48000;
  /// Restart at file frame 0 at end of file (seamless, the resampler is not reset).
  bool loop = false;
  /// First FILE frame decoded (seek before the first fill); allowed 0..file_frames.
  /// Loops restart at loop_begin_frame, not here.
  std::int64_t start_frame = 0;
  /// FILE frame a loop restarts at; allowed 0 .. (end of the region) − 1.
  std::int64_t loop_begin_frame = 0;
  /// FILE frame the source ends at, exclusive (a loop restarts at
  /// loop_begin_frame there): a play region [loop_begin_frame, end_frame)
  /// such as a song section. 0 = the end of the file; otherwise allowed
  /// start_frame + 1 .. file_frames.
  std::int64_t end_frame = 0;
  /// How the tempo ratio is applied (see StretchMethod); changeable while playing
  /// with FileSource::set_method().
  StretchMethod method = StretchMethod::playback_rate;
  /// SoundTouch tuning for StretchMethod::soundtouch (validated by open() even when
  /// the source starts with playback_rate, so a later switch cannot fail).
  SoundTouchSettings soundtouch;
  /// Initial tempo ratio = target BPM / the track's native BPM (> 1 plays faster),
  /// computed by the caller. Allowed FileSource::kMinTempoRatio..kMaxTempoRatio
  /// (0.5..2.0); changeable while playing with FileSource::set_tempo_ratio().
  double tempo_ratio = 1.0;
};

}  // namespace crowdmesh::stretch
