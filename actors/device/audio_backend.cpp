#include "device/audio_backend.hpp"

namespace crowdmesh::device {

AudioBackend::~AudioBackend() = default;

}  // namespace crowdmesh::device
