#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace crowdmesh::rt {

/// Wait-free single-producer / single-consumer queue of small trivially
/// copyable records (timing entries, events) with a fixed capacity. A full
/// queue refuses a push (returns false) and never overwrites; the producer
/// counts what it could not push. Same index scheme as SpscRing (monotonic
/// 64-bit counters, power-of-two capacity).
///
/// Thread contract: one producer thread calls try_push(); one consumer thread
/// calls try_pop(). Both wait-free, no allocation after construction.
template <typename T>
class SpscQueue {
  static_assert(std::is_trivially_copyable_v<T>, "SpscQueue holds plain records");

 public:
  /// Allocates `capacity` slots (rounded up to a power of two, at least 2). Not real-time.
  explicit SpscQueue(std::size_t capacity) {
    std::size_t c = 2;
    while (c < capacity) c <<= 1;
    slots_.resize(c);
    mask_ = c - 1;
  }

  /// Producer: appends `v`; false (nothing written) when full.
  bool try_push(const T& v) noexcept {
    const auto w = write_.load(std::memory_order_relaxed);
    if (w - read_.load(std::memory_order_acquire) > mask_) return false;
    slots_[w & mask_] = v;
    write_.store(w + 1, std::memory_order_release);
    return true;
  }

  /// Producer: records that can be pushed now without refusal.
  std::size_t write_available() const noexcept {
    return mask_ + 1 -
           static_cast<std::size_t>(write_.load(std::memory_order_relaxed) - read_.load(std::memory_order_acquire));
  }

  /// Consumer: takes the oldest record into `out`; false when empty.
  bool try_pop(T& out) noexcept {
    const auto r = read_.load(std::memory_order_relaxed);
    if (r == write_.load(std::memory_order_acquire)) return false;
    out = slots_[r & mask_];
    read_.store(r + 1, std::memory_order_release);
    return true;
  }

 private:
  std::vector<T> slots_;
  std::size_t mask_ = 1;
  alignas(64) std::atomic<std::uint64_t> write_{0};
  alignas(64) std::atomic<std::uint64_t> read_{0};
};

}  // namespace crowdmesh::rt
