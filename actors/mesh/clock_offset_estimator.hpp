#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>

#include "caf/expected.hpp"

namespace crowdmesh::mesh {

/// One NTP-style probe exchange, ns. t1/t4 on the client's clock, t2/t3 on the
/// reference's clock.
struct ClockSample {
  /// ((t2 - t1) + (t3 - t4)) / 2: reference clock minus client clock.
  std::int64_t offset_ns = 0;
  /// (t4 - t1) - (t3 - t2): network round trip without the reference's hold time.
  std::int64_t delay_ns = 0;
};

/// Estimates the offset of the mesh clock (the reference node's monotonic
/// clock) from this node's clock: the median offset of the last kWindow probe
/// exchanges, which rejects outliers (a probe delayed in one direction) as long
/// as they are fewer than half of the window. Pure, no clock, no I/O. Not
/// thread-safe: one owner (the gateway thread).
class ClockOffsetEstimator {
 public:
  /// Probes kept for the median.
  static constexpr std::size_t kWindow = 15;

  /// The offset and delay of one exchange (the formula only; nothing stored).
  static ClockSample compute(std::int64_t t1_ns, std::int64_t t2_ns, std::int64_t t3_ns,
                             std::int64_t t4_ns) noexcept;

  /// Adds one exchange. Errors (nothing stored): errc::value_out_of_range when
  /// the timestamps are inconsistent (t4 < t1, t3 < t2 or a negative delay),
  /// naming the four values.
  caf::expected<ClockSample> add(std::int64_t t1_ns, std::int64_t t2_ns, std::int64_t t3_ns,
                                 std::int64_t t4_ns);

  /// Median offset of the kept samples, ns; 0 before the first sample.
  std::int64_t offset_ns() const noexcept { return offset_ns_; }
  /// Delay (round trip) of the last accepted sample, ns; 0 before the first.
  std::int64_t last_delay_ns() const noexcept { return last_delay_ns_; }
  /// Samples accepted since construction (not capped by the window).
  std::uint64_t sample_count() const noexcept { return count_; }

 private:
  std::deque<std::int64_t> offsets_;
  std::int64_t offset_ns_ = 0;
  std::int64_t last_delay_ns_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace crowdmesh::mesh
