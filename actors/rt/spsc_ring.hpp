#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace crowdmesh::rt {

/// Wait-free single-producer / single-consumer ring of interleaved float
/// frames (frame = `channels` consecutive samples).
///
/// Capacity is fixed at construction (rounded up to a power of two frames).
/// A full ring refuses a write (write() returns false) and never overwrites
/// unread frames. Indices are monotonic 64-bit frame counters, so they never
/// wrap in practice. Model: rtrb / JUCE AbstractFifo (two-region copies on
/// wrap-around).
///
/// Thread contract: exactly one producer thread calls write()/write_available()/
/// producer_position(); exactly one consumer thread calls read()/discard()/
/// read_available()/consumer_position(). Both sides are wait-free, never
/// allocate, lock or throw. Construction and destruction are not real-time.
class SpscRing {
 public:
  /// Allocates capacity_frames (rounded up to a power of two, at least 2) × channels
  /// floats. channels must be ≥ 1. Not real-time.
  SpscRing(std::size_t capacity_frames, int channels);

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  /// Frames the ring holds when full.
  std::size_t capacity() const noexcept { return capacity_; }
  /// Samples per frame.
  int channels() const noexcept { return channels_; }

  /// Producer: frames that can be written now without refusal.
  std::size_t write_available() const noexcept;
  /// Producer: copies `frames` interleaved frames from src. All or nothing:
  /// returns false and writes nothing if fewer than `frames` are free.
  bool write(const float* src, std::size_t frames) noexcept;
  /// Producer: writes `frames` frames of silence (all or nothing, like write()).
  bool write_silence(std::size_t frames) noexcept;
  /// Producer: total frames ever written.
  std::uint64_t producer_position() const noexcept { return write_pos_.load(std::memory_order_relaxed); }

  /// Consumer: frames readable now.
  std::size_t read_available() const noexcept;
  /// Consumer: copies up to `frames` frames into dst; returns frames copied.
  std::size_t read(float* dst, std::size_t frames) noexcept;
  /// Consumer: drops up to `frames` readable frames; returns frames dropped.
  std::size_t discard(std::size_t frames) noexcept;
  /// Consumer: total frames ever read or discarded.
  std::uint64_t consumer_position() const noexcept { return read_pos_.load(std::memory_order_relaxed); }

  /// Any thread: approximate fill in frames (exact when called by either owner
  /// while the other is idle). Use for telemetry only.
  std::size_t fill_estimate() const noexcept;

 private:
  std::size_t capacity_;
  std::size_t mask_;
  int channels_;
  std::unique_ptr<float[]> data_;
  alignas(64) std::atomic<std::uint64_t> write_pos_{0};
  alignas(64) std::atomic<std::uint64_t> read_pos_{0};
};

}  // namespace crowdmesh::rt
