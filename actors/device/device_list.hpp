#pragma once
#include <string>
#include <vector>

#include "caf/expected.hpp"

namespace crowdmesh::device {

/// One PortAudio device as shown by `audio_node --list-devices`.
struct DeviceInfo {
  int index = -1;                     ///< PortAudio device index (what `--device N` takes)
  std::string name;                   ///< device name as PortAudio reports it
  std::string host_api;               ///< e.g. "ALSA", "JACK Audio Connection Kit"
  int max_output_channels = 0;        ///< output channels the device offers
  int max_input_channels = 0;         ///< input channels the device offers
  double default_sample_rate_hz = 0;  ///< the device's default rate, Hz
  bool is_default_output = false;     ///< the host's default output device
};

/// Enumerates PortAudio devices (holds a PortAudioSession while doing so).
/// Errors: errc::device_error when PortAudio cannot initialise or count
/// devices. Not real-time; may take a while (ALSA/JACK probing).
caf::expected<std::vector<DeviceInfo>> list_devices();

/// Picks the device a DeviceConfig::device string names: a decimal index, an
/// exact case-insensitive name, or else the first case-insensitive name
/// substring match that offers enough channels; empty = the default output.
/// Errors: errc::device_not_found (sentence names the request, the device
/// count and `audio_node --list-devices`), errc::unsupported_channels when the
/// named device has fewer output/input channels than asked. Pure.
caf::expected<DeviceInfo> find_device(const std::vector<DeviceInfo>& devices, const std::string& spec,
                                      int output_channels, int input_channels);

/// Human table for `--list-devices`: one line per device (index, output/input
/// channels, default rate, host API, name; '*' marks the default output).
std::string format_device_list(const std::vector<DeviceInfo>& devices);

}  // namespace crowdmesh::device
