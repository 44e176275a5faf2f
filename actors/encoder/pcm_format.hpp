#pragma once
#include <cstdint>

namespace crowdmesh::encoder {

/// Shape of the PCM entering an encoder output: interleaved 32-bit float
/// frames, nominal range −1..1 (0 dBFS = 1.0), `channels` samples per frame.
struct PcmFormat {
  std::uint32_t sample_rate_hz = 48000;  ///< frames per second
  std::uint32_t channels = 2;            ///< samples per frame, 1..8
  bool operator==(const PcmFormat& o) const { return sample_rate_hz == o.sample_rate_hz && channels == o.channels; }
  bool operator!=(const PcmFormat& o) const { return !(*this == o); }
};

}  // namespace crowdmesh::encoder
