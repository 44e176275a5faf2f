#include "device/portaudio_backend.hpp"

#include <portaudio.h>

#include "common/error.hpp"
#include "common/local_clock.hpp"
#include "device/device_callback.hpp"
#include "device/device_list.hpp"
#include "device/portaudio_session.hpp"

namespace crowdmesh::device {

namespace {
constexpr PaStreamCallbackFlags kXrunFlags = paOutputUnderflow | paOutputOverflow | paInputOverflow | paInputUnderflow;

// The DAC time of this buffer on our local clock: PortAudio gives it on the
// stream's clock (outputBufferDacTime) together with that clock's "now"
// (currentTime); the difference is the latency still ahead, added to our clock
// read here. Host APIs that fill no timeInfo (zeros) leave it to the callback's
// fallback (local now + the stream's outputLatency).
int pa_callback(const void* input, void* output, unsigned long frames, const PaStreamCallbackTimeInfo* time_info,
                PaStreamCallbackFlags flags, void* user) {
  auto* cb = static_cast<DeviceCallback*>(user);
  std::int64_t dac_local_ns = 0;
  DacTimeSource source = DacTimeSource::none;
  if (time_info != nullptr && time_info->outputBufferDacTime > 0 && time_info->currentTime > 0) {
    const double ahead_s = time_info->outputBufferDacTime - time_info->currentTime;
    if (ahead_s >= 0 && ahead_s < 1.0) {
      dac_local_ns = local_now_ns() + static_cast<std::int64_t>(ahead_s * 1e9);
      source = DacTimeSource::driver;
    }
  }
  cb->process(static_cast<float*>(output), static_cast<const float*>(input), static_cast<std::size_t>(frames),
              (flags & kXrunFlags) != 0, dac_local_ns, source);
  return paContinue;
}
}  // namespace

PortAudioBackend::PortAudioBackend(DeviceConfig config) : config_(std::move(config)) {}

PortAudioBackend::~PortAudioBackend() { stop(); }

caf::expected<void> PortAudioBackend::start(DeviceCallback& cb) {
  if (stream_ != nullptr)
    return make_error(errc::device_error, "PortAudio device '" + config_.device + "' is already running");
  if (cb.channels() != config_.channels || cb.input_channels() != config_.input_channels ||
      cb.sample_rate_hz() != config_.sample_rate_hz || cb.period_frames() != config_.period_frames)
    return make_error(errc::internal, "device callback was built for another channel count, rate or period");

  auto session = PortAudioSession::open();
  if (!session) return session.error();
  auto devices = list_devices();
  if (!devices) return devices.error();
  auto dev = find_device(*devices, config_.device, config_.channels, config_.input_channels);
  if (!dev) return dev.error();

  const PaDeviceInfo* info = Pa_GetDeviceInfo(dev->index);
  PaStreamParameters out{};
  out.device = dev->index;
  out.channelCount = config_.channels;
  out.sampleFormat = paFloat32;
  out.suggestedLatency = info != nullptr ? info->defaultLowOutputLatency : 0.0;
  PaStreamParameters in{};
  if (config_.input_channels > 0) {
    in.device = dev->index;
    in.channelCount = config_.input_channels;
    in.sampleFormat = paFloat32;
    in.suggestedLatency = info != nullptr ? info->defaultLowInputLatency : 0.0;
  }

  const std::string what =
      "audio device " + std::to_string(dev->index) + " '" + dev->name + "' (" + dev->host_api + ") at " +
      std::to_string(config_.sample_rate_hz) + " Hz, " + std::to_string(config_.period_frames) + " frames/period, " +
      std::to_string(config_.channels) + " out / " + std::to_string(config_.input_channels) + " in channels";
  PaStream* stream = nullptr;
  PaError err = Pa_OpenStream(&stream, config_.input_channels > 0 ? &in : nullptr, &out, config_.sample_rate_hz,
                              static_cast<unsigned long>(config_.period_frames), paNoFlag, &pa_callback, &cb);
  if (err != paNoError) return make_error(errc::device_error, "cannot open " + what + ": " + Pa_GetErrorText(err));
  if (const PaStreamInfo* si = Pa_GetStreamInfo(stream); si != nullptr && si->outputLatency > 0)
    cb.set_fallback_latency_ns(static_cast<std::int64_t>(si->outputLatency * 1e9));
  err = Pa_StartStream(stream);
  if (err != paNoError) {
    Pa_CloseStream(stream);
    return make_error(errc::device_error, "cannot start " + what + ": " + Pa_GetErrorText(err));
  }
  stream_ = stream;
  session_ = std::move(*session);
  description_ = "PortAudio " + dev->host_api + " '" + dev->name + "' " + std::to_string(config_.sample_rate_hz) +
                 " Hz " + std::to_string(config_.period_frames) + " frames " + std::to_string(config_.channels) + " ch";
  if (config_.input_channels > 0) description_ += " + " + std::to_string(config_.input_channels) + " in";
  return {};
}

void PortAudioBackend::stop() noexcept {
  if (stream_ == nullptr) return;
  auto* stream = static_cast<PaStream*>(stream_);
  Pa_StopStream(stream);
  Pa_CloseStream(stream);
  stream_ = nullptr;
  session_.reset();
}

std::string PortAudioBackend::description() const {
  return description_.empty() ? "PortAudio (not started)" : description_;
}

}  // namespace crowdmesh::device
