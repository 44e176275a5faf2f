#pragma once
#include <cstdint>

namespace crowdmesh::netaudio {

/// Takes rendered blocks for the network (the stream sender implements it).
///
/// Thread contract: push() is called from the render thread (the device's
/// playout thread) and must be wait-free: no allocation, lock or syscall.
class BlockSink {
 public:
  virtual ~BlockSink() = default;
  /// One block: `frames` interleaved frames (frames × channels floats at
  /// `interleaved`) whose first frame plays at mesh time `pts_ns` (ns).
  /// Returns false when the block was dropped (e.g. the sender's queue is full).
  virtual bool push(const float* interleaved, std::uint32_t frames, std::int64_t pts_ns) noexcept = 0;
};

}  // namespace crowdmesh::netaudio
