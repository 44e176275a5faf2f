#pragma once
#include <cstddef>
#include <cstdint>

namespace crowdmesh {

/// A stream of interleaved float frames at the device rate and channel count,
/// produced ahead of the play head by another thread (a reader) and consumed by
/// the mixer. Implemented by stretch::FileSource; test sources implement it too.
///
/// Thread contract: all methods here are the consumer side and are called by
/// one thread (the mixer). They never block, allocate or throw.
class FrameReader {
 public:
  virtual ~FrameReader() = default;
  /// Copies up to `frames` interleaved frames into dst; returns frames copied
  /// (fewer when the reader is behind or the stream ended).
  virtual std::size_t read(float* dst, std::size_t frames) noexcept = 0;
  /// Frames readable right now without waiting.
  virtual std::size_t available() const noexcept = 0;
  /// True once the stream has ended (no loop) and every frame was read.
  virtual bool finished() const noexcept = 0;
  /// Frames delivered by read() so far, at the device rate.
  virtual std::int64_t frames_read() const noexcept = 0;
  /// Any thread: the file position of the frame read() returns next, in
  /// seconds from the start of the file (stays right under time-stretching;
  /// wraps when looping). Never blocks.
  virtual double file_position_seconds() const noexcept = 0;
  /// Any thread: loop at end of input (takes effect at the next end). Atomic.
  virtual void set_loop(bool loop) noexcept = 0;
  /// Any thread: the current loop setting.
  virtual bool loop() const noexcept = 0;
  /// Consumer: the next frame read() returns reaches the DAC at mesh time
  /// `pts_ns` (the mixer calls it before each read of a playing buffer), so the
  /// producer can apply a change (a tempo) at the frame presented at a given
  /// mesh time. Wait-free. Default: ignored.
  virtual void mark_presentation(std::int64_t pts_ns) noexcept { (void)pts_ns; }
};

}  // namespace crowdmesh
