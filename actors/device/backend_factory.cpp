#include "device/backend_factory.hpp"

#include "common/error.hpp"
#include "device/portaudio_backend.hpp"
#include "device/virtual_backend.hpp"

namespace crowdmesh::device {

caf::expected<std::unique_ptr<AudioBackend>> make_backend(const DeviceConfig& config) {
  if (auto ok = validate(config); !ok) return ok.error();
  if (config.backend == "virtual") return std::unique_ptr<AudioBackend>(new VirtualBackend(config));
  if (config.backend == "portaudio") return std::unique_ptr<AudioBackend>(new PortAudioBackend(config));
  return make_error(errc::value_out_of_range, "unknown audio backend '" + config.backend + "'");
}

}  // namespace crowdmesh::device
