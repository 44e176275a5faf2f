#include "rt/duration_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace crowdmesh::rt {

void DurationHistogram::record(std::uint32_t micros) noexcept {
  const std::uint32_t b = micros < kBuckets - 1 ? micros : kBuckets - 1;
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  if (micros > max_.load(std::memory_order_relaxed)) max_.store(micros, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::uint32_t DurationHistogram::percentile(double q) const noexcept {
  std::uint64_t total = 0;
  for (const auto& b : buckets_) total += b.load(std::memory_order_relaxed);
  if (total == 0) return 0;
  // Nearest rank: the smallest value with at least ceil(q·N) samples at or below it.
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  if (rank < 1) rank = 1;
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    // Bucket i holds durations of exactly i µs (measured in whole µs); the
    // last one holds everything longer, whose best value is the exact max.
    if (seen >= rank) return i == kBuckets - 1 ? max() : std::min(static_cast<std::uint32_t>(i), max());
  }
  return max();
}

}  // namespace crowdmesh::rt
