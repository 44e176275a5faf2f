#include "device/device_config.hpp"

#include <cmath>

#include "common/error.hpp"

namespace crowdmesh::device {

namespace {
caf::expected<void> check_range(const char* field, int value, int lo, int hi) {
  if (value >= lo && value <= hi) return {};
  return make_error(errc::value_out_of_range, std::string("device ") + field + " " + std::to_string(value) +
                                                  " is out of range (allowed " + std::to_string(lo) + ".." +
                                                  std::to_string(hi) + ")");
}
}  // namespace

caf::expected<void> validate(const DeviceConfig& config) {
  if (config.backend != "portaudio" && config.backend != "virtual")
    return make_error(errc::value_out_of_range,
                      "unknown audio backend '" + config.backend + "' (allowed: 'portaudio', 'virtual')");
  if (auto r = check_range("sample rate (Hz)", config.sample_rate_hz, 8000, 384000); !r) return r;
  if (auto r = check_range("output channels", config.channels, 1, 32); !r) return r;
  if (auto r = check_range("input channels", config.input_channels, 0, 32); !r) return r;
  if (auto r = check_range("period (frames)", config.period_frames, 16, 8192); !r) return r;
  if (auto r = check_range("target fill (periods)", config.target_periods, 2, 64); !r) return r;
  if (auto r = check_range("output trim (us)", config.output_trim_us, -100000, 100000); !r) return r;
  if (!std::isfinite(config.virtual_skew_ppm) || std::fabs(config.virtual_skew_ppm) > 1000.0)
    return make_error(errc::value_out_of_range, "virtual device skew " + std::to_string(config.virtual_skew_ppm) +
                                                    " ppm is out of range (allowed -1000..1000)");
  if (auto r = check_range("virtual buffer (periods)", config.virtual_buffer_periods, 2, 32); !r) return r;
  if ((config.virtual_skew_ppm != 0.0 || !config.truth_log_path.empty()) &&
      (config.backend != "virtual" || !config.realtime))
    return make_error(errc::value_out_of_range,
                      "a virtual skew or truth log needs the virtual backend at real pace (--backend virtual "
                      "--realtime true)");
  return {};
}

}  // namespace crowdmesh::device
