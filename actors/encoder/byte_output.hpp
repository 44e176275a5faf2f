#pragma once
#include <cstddef>
#include <cstdint>

namespace crowdmesh::encoder {

/// Where a StreamEncoder writes its encoded bytes: a sink (file, Icecast) or a
/// test buffer. One stream at a time; offsets count from the start of the
/// current stream. Thread contract: called from the one thread that drives the
/// encoder.
class ByteOutput {
 public:
  virtual ~ByteOutput() = default;
  /// Writes `n` bytes at the current position (appends, or overwrites after
  /// seek()). Returns false when they could not be written; the output keeps
  /// the reason (its status), the encoder goes on.
  virtual bool write(const std::uint8_t* data, std::size_t n) = 0;
  /// Current position in the stream, bytes from its start.
  virtual std::uint64_t tell() const = 0;
  /// True when seek() works (plain files): FLAC rewrites STREAMINFO totals and
  /// the seek table at finish, LAME writes its Info tag.
  virtual bool seekable() const { return false; }
  /// Moves the position to `offset` bytes from the stream's start. False when
  /// not seekable or on failure.
  virtual bool seek(std::uint64_t offset) {
    (void)offset;
    return false;
  }
};

}  // namespace crowdmesh::encoder
