#pragma once
#include <array>
#include <atomic>
#include <cstdint>

namespace crowdmesh::rt {

/// Lock-free histogram of durations in microseconds: 1 µs buckets from 0 to
/// kBuckets-2 µs, the last bucket holds everything longer. The exact maximum
/// is kept separately.
///
/// Thread contract: record() is called by one writer (the RT callback),
/// wait-free, relaxed atomics only. snapshot()/percentile() may be called from
/// any thread; they read a consistent-enough view for telemetry.
class DurationHistogram {
 public:
  static constexpr int kBuckets = 4096;

  /// Writer: adds one duration in microseconds.
  void record(std::uint32_t micros) noexcept;

  /// Any thread: the nearest-rank percentile `q` (0..1) in µs — the smallest
  /// recorded value with at least ceil(q·N) samples at or below it; never above
  /// max(); 0 when empty.
  std::uint32_t percentile(double q) const noexcept;
  /// Any thread: the largest recorded value in µs.
  std::uint32_t max() const noexcept { return max_.load(std::memory_order_relaxed); }
  /// Any thread: number of recorded values.
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::uint32_t>, kBuckets> buckets_{};
  std::atomic<std::uint32_t> max_{0};
  std::atomic<std::uint64_t> count_{0};
};

}  // namespace crowdmesh::rt
