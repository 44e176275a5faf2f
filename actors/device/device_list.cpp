#include "device/device_list.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <portaudio.h>

#include "common/error.hpp"
#include "device/portaudio_session.hpp"

namespace crowdmesh::device {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_index(const std::string& s) {
  return !s.empty() && s.size() <= 6 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string how_to_list(const std::vector<DeviceInfo>& devices) {
  return " (" + std::to_string(devices.size()) + " devices; run audio_node --list-devices)";
}

caf::expected<DeviceInfo> check_channels(const DeviceInfo& d, int output_channels, int input_channels) {
  if (d.max_output_channels < output_channels || d.max_input_channels < input_channels)
    return make_error(errc::unsupported_channels, "audio device " + std::to_string(d.index) + " '" + d.name + "' (" +
                                                      d.host_api + ") has " + std::to_string(d.max_output_channels) +
                                                      " output / " + std::to_string(d.max_input_channels) +
                                                      " input channels; asked for " + std::to_string(output_channels) +
                                                      " / " + std::to_string(input_channels));
  return d;
}
}  // namespace

caf::expected<std::vector<DeviceInfo>> list_devices() {
  auto session = PortAudioSession::open();
  if (!session) return session.error();
  const PaDeviceIndex count = Pa_GetDeviceCount();
  if (count < 0)
    return make_error(errc::device_error,
                      std::string("PortAudio cannot count audio devices: ") + Pa_GetErrorText(count));
  const PaDeviceIndex default_out = Pa_GetDefaultOutputDevice();
  std::vector<DeviceInfo> out;
  out.reserve(static_cast<std::size_t>(count));
  for (PaDeviceIndex i = 0; i < count; ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (info == nullptr) continue;
    const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
    DeviceInfo d;
    d.index = i;
    d.name = info->name != nullptr ? info->name : "";
    d.host_api = api != nullptr && api->name != nullptr ? api->name : "?";
    d.max_output_channels = info->maxOutputChannels;
    d.max_input_channels = info->maxInputChannels;
    d.default_sample_rate_hz = info->defaultSampleRate;
    d.is_default_output = i == default_out;
    out.push_back(std::move(d));
  }
  return out;
}

caf::expected<DeviceInfo> find_device(const std::vector<DeviceInfo>& devices, const std::string& spec,
                                      int output_channels, int input_channels) {
  if (spec.empty()) {
    for (const auto& d : devices)
      if (d.is_default_output) return check_channels(d, output_channels, input_channels);
    return make_error(errc::device_not_found, "no default audio output device" + how_to_list(devices));
  }
  if (is_index(spec)) {
    const int index = std::stoi(spec);
    for (const auto& d : devices)
      if (d.index == index) return check_channels(d, output_channels, input_channels);
    return make_error(errc::device_not_found, "no audio device with index " + spec + how_to_list(devices));
  }
  const std::string want = lower(spec);
  for (const auto& d : devices)
    if (lower(d.name) == want) return check_channels(d, output_channels, input_channels);
  const DeviceInfo* first_match = nullptr;
  for (const auto& d : devices) {
    if (lower(d.name).find(want) == std::string::npos) continue;
    if (first_match == nullptr) first_match = &d;
    if (d.max_output_channels >= output_channels && d.max_input_channels >= input_channels) return d;
  }
  if (first_match != nullptr) return check_channels(*first_match, output_channels, input_channels);
  return make_error(errc::device_not_found, "no audio device named '" + spec + "'" + how_to_list(devices));
}

std::string format_device_list(const std::vector<DeviceInfo>& devices) {
  std::string out = "  index  out   in      rate  host API                    name\n";
  char line[128];
  for (const auto& d : devices) {
    std::snprintf(line, sizeof line, "%c %5d  %3d  %3d  %8.0f  %-26s  ", d.is_default_output ? '*' : ' ', d.index,
                  d.max_output_channels, d.max_input_channels, d.default_sample_rate_hz, d.host_api.c_str());
    out += line;
    out += d.name;
    out += '\n';
  }
  out += devices.empty() ? "(no audio devices found)\n" : "(* = default output)\n";
  return out;
}

}  // namespace crowdmesh::device
