#pragma once
#include <string>

#include "caf/expected.hpp"

namespace crowdmesh::device {

/// Settings of one audio device (C1 "Device"). Plain data; checked by validate().
struct DeviceConfig {
  /// "portaudio" (a real device) or "virtual" (clock thread, no hardware).
  std::string backend = "portaudio";
  /// PortAudio device: a decimal index, or a case-insensitive substring of its
  /// name; empty = the host's default output device. Ignored by "virtual".
  std::string device;
  /// Device sample rate in Hz (8000..384000).
  int sample_rate_hz = 48000;
  /// Output channels, interleaved float frames (1..32).
  int channels = 2;
  /// Input (capture) channels; 0 = output only (0..32).
  int input_channels = 0;
  /// Frames per device period (16..8192); 256 by default.
  int period_frames = 256;
  /// Output ring fill, in periods, that the device actor keeps (2..64).
  int target_periods = 4;
  /// Virtual backend only: true = real pace (one period per period time);
  /// false = as fast as data arrives (offline rendering, never underruns).
  bool realtime = true;
  /// Fixed delay between the DAC time the host API reports and the sound
  /// leaving the card (a codec's or amplifier's own latency), µs, added to
  /// every period's DAC time (−100000..100000). Measure it once per card model.
  int output_trim_us = 0;
  /// Virtual backend, real pace only: the virtual card's crystal error, ppm
  /// (−1000..1000): it plays sample_rate_hz × (1 + ppm·1e-6) frames per second
  /// of the host's raw clock, as a real card that is off by that much.
  double virtual_skew_ppm = 0.0;
  /// Virtual backend, real pace only: the virtual card's hardware buffer, in
  /// periods (2..32). A buffer computed at its deadline reaches the DAC
  /// (buffer − 1) periods later, so the clock thread may wake up to that much
  /// late without the card running dry (it catches up; VirtualBackend). 4 is
  /// a common ALSA setup (a 1024-frame buffer of 256-frame periods).
  int virtual_buffer_periods = 4;
  /// Virtual backend, real pace only: a ground-truth log of when each device
  /// frame reached the (virtual) DAC on the host's raw clock (see
  /// device/truth_log.hpp); empty = none.
  std::string truth_log_path;
};

/// Checks every field's range and the backend name. Errors:
/// errc::value_out_of_range with a sentence naming the field, the value and the
/// allowed range. Thread-safe (pure).
caf::expected<void> validate(const DeviceConfig& config);

}  // namespace crowdmesh::device
