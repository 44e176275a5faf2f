#pragma once
#include <cstdint>

#include "netaudio/jitter_buffer.hpp"

namespace crowdmesh::netaudio {

/// A received stream as the render thread reads it (the node implements it:
/// it drains the stream's datagrams into an RtpReceiver, then calls
/// RtpReceiver::read_at()).
///
/// Thread contract: read_at() is called from the render thread only and must
/// not allocate, lock (beyond priority-inheriting locks held briefly) or block.
class RemoteFeed {
 public:
  virtual ~RemoteFeed() = default;
  /// Writes the stream's `frames` interleaved frames (frames × channels
  /// floats) whose first frame plays at mesh time `pts_ns` to `out`:
  /// JitterBuffer::read_at() semantics (silence before the stream, concealment where missing).
  virtual JitterBufferRead read_at(float* out, std::uint32_t frames, std::int64_t pts_ns) noexcept = 0;
};

}  // namespace crowdmesh::netaudio
