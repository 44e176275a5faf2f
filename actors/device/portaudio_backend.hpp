#pragma once
#include <memory>
#include <string>

#include "device/audio_backend.hpp"
#include "device/device_config.hpp"

namespace crowdmesh::device {

class PortAudioSession;

/// A PortAudio stream (ALSA, JACK, Core Audio…): interleaved paFloat32
/// output, plus input from the same device when input_channels > 0, with
/// framesPerBuffer = period_frames. PortAudio's callback calls
/// DeviceCallback::process() and always returns paContinue; its
/// under/overflow status flags become process()'s device_xrun.
///
/// Thread contract: as AudioBackend. The RT thread is PortAudio's.
class PortAudioBackend final : public AudioBackend {
 public:
  /// Keeps the config; opens nothing (start() does). Not real-time.
  explicit PortAudioBackend(DeviceConfig config);
  /// Stops the stream if running.
  ~PortAudioBackend() override;

  /// Finds the device (see find_device()), opens and starts the stream.
  /// Errors: errc::device_not_found / unsupported_channels from find_device();
  /// errc::device_error naming device, rate, period and Pa_GetErrorText() when
  /// PortAudio refuses; errc::device_error when already running or when `cb`
  /// was built for other channels/rate/period.
  caf::expected<void> start(DeviceCallback& cb) override;
  /// Pa_StopStream + Pa_CloseStream; idempotent.
  void stop() noexcept override;
  /// "PortAudio <host API> '<device>' <rate> Hz <period> frames <ch> ch", or
  /// "PortAudio (not started)".
  std::string description() const override;

 private:
  DeviceConfig config_;
  std::unique_ptr<PortAudioSession> session_;
  void* stream_ = nullptr;  // PaStream*
  std::string description_;
};

}  // namespace crowdmesh::device
