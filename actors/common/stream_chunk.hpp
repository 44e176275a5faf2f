#pragma once
#include <cstdint>
#include <string>

#include "common/audio_block.hpp"

namespace crowdmesh {

/// One block of a named audio stream (the mixer's master bus, a deck tap) on
/// its way to encoders: in-process from the mixer, or decoded from a mesh
/// AudioChunk. `sequence` is +1 per block of the stream from 0, so a receiver
/// sees every lost block; `block.first_frame` counts frames of the stream.
struct StreamChunk {
  std::string stream_id;       ///< e.g. "room-a/master"
  std::uint64_t sequence = 0;  ///< +1 per block from 0; a jump means blocks were lost
  AudioBlock block;            ///< interleaved float samples, frames × channels, with PTS
  std::string title;           ///< what plays now (track name), for stream metadata; may be empty
};

}  // namespace crowdmesh

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(crowdmesh::StreamChunk)
