#pragma once
#include <memory>

#include "caf/expected.hpp"
#include "device/audio_backend.hpp"
#include "device/device_config.hpp"

namespace crowdmesh::device {

/// Builds the backend named by config.backend ("portaudio" → PortAudioBackend,
/// "virtual" → VirtualBackend) after validate(config). Opens nothing yet
/// (start() does). Errors: those of validate(). Not real-time.
caf::expected<std::unique_ptr<AudioBackend>> make_backend(const DeviceConfig& config);

}  // namespace crowdmesh::device
