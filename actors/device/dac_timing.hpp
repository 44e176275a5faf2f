#pragma once
#include <cstdint>

namespace crowdmesh::device {

/// When one device period reaches the DAC, published by the audio callback at
/// the start of every period (DeviceCallback::dac_timing(), a seqlock).
///
/// Frame counters: `device_frame` counts every frame handed to the device since
/// the stream started, silence written on an underrun included, so real play
/// time and the counters never disagree; `ring_frame` counts only the frames
/// taken from the output ring (the playout stage's frames). Within this period
/// ring frames [ring_frame, ring_frame + ring_frames_read) play first, from
/// dac_local_ns on, then the underrun's silence.
struct DacTiming {
  std::uint64_t device_frame = 0;      ///< device frames played before this period
  std::uint64_t ring_frame = 0;        ///< ring frames read before this period
  std::int64_t dac_local_ns = 0;       ///< local clock (common/local_clock.hpp) when the period's
                                       ///< first frame reaches the DAC, output_trim included; 0 = none yet
  std::uint32_t frames = 0;            ///< frames in this period
  std::uint32_t ring_frames_read = 0;  ///< of which came from the ring (the rest is underrun silence)
  std::uint32_t source = 0;            ///< a DacTimeSource value: where dac_local_ns came from
};

/// Where a period's DAC time comes from.
enum class DacTimeSource : std::uint32_t {
  none = 0,
  /// The host API's PaStreamCallbackTimeInfo (outputBufferDacTime − currentTime
  /// added to the local clock read in the callback).
  driver = 1,
  /// The host API gave zeros: local clock in the callback + the stream's
  /// outputLatency (Pa_GetStreamInfo).
  stream_latency = 2,
  /// The virtual device's own clock (exact by construction).
  virtual_clock = 3,
};

/// "driver", "stream_latency", "virtual_clock" or "none".
const char* to_string(DacTimeSource s) noexcept;

}  // namespace crowdmesh::device
