#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "caf/allowed_unsafe_message_type.hpp"

namespace crowdmesh {

/// A block of rendered audio passed between actors of one process (mixer →
/// device, mixer → encoder tap). The samples are shared, not copied; the sender
/// must not write them after sending (a pool may reuse the vector once nobody
/// else holds it).
struct AudioBlock {
  std::shared_ptr<std::vector<float>> samples;  ///< interleaved, frames × channels
  std::uint64_t first_frame = 0;                ///< index of the first frame in the stream, device-rate frames
  std::uint32_t frames = 0;
  int channels = 0;
  int sample_rate_hz = 0;
  std::int64_t pts_ns = 0;  ///< when the first frame leaves the speakers (mesh clock; 0 = unknown)
};

}  // namespace crowdmesh

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(crowdmesh::AudioBlock)
