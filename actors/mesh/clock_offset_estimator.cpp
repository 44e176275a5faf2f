#include "mesh/clock_offset_estimator.hpp"

#include <algorithm>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::mesh {

ClockSample ClockOffsetEstimator::compute(std::int64_t t1_ns, std::int64_t t2_ns, std::int64_t t3_ns,
                                          std::int64_t t4_ns) noexcept {
  ClockSample s;
  // Halve each difference before adding: no overflow for clocks far apart.
  const std::int64_t a = t2_ns - t1_ns;
  const std::int64_t b = t3_ns - t4_ns;
  s.offset_ns = a / 2 + b / 2 + (a % 2 + b % 2) / 2;
  s.delay_ns = (t4_ns - t1_ns) - (t3_ns - t2_ns);
  return s;
}

caf::expected<ClockSample> ClockOffsetEstimator::add(std::int64_t t1_ns, std::int64_t t2_ns,
                                                     std::int64_t t3_ns, std::int64_t t4_ns) {
  const ClockSample s = compute(t1_ns, t2_ns, t3_ns, t4_ns);
  if (t4_ns < t1_ns || t3_ns < t2_ns || s.delay_ns < 0) {
    return make_error(errc::value_out_of_range,
                      "inconsistent clock probe t1=" + std::to_string(t1_ns) + " t2=" +
                          std::to_string(t2_ns) + " t3=" + std::to_string(t3_ns) + " t4=" +
                          std::to_string(t4_ns) + " ns (need t1 <= t4, t2 <= t3, delay >= 0)");
  }
  offsets_.push_back(s.offset_ns);
  if (offsets_.size() > kWindow) offsets_.pop_front();
  std::vector<std::int64_t> sorted(offsets_.begin(), offsets_.end());
  const std::size_t mid = sorted.size() / 2;
  std::nth_element(sorted.begin(), sorted.begin() + mid, sorted.end());
  if (sorted.size() % 2 == 1) {
    offset_ns_ = sorted[mid];
  } else {
    const std::int64_t upper = sorted[mid];
    const std::int64_t lower = *std::max_element(sorted.begin(), sorted.begin() + mid);
    offset_ns_ = lower + (upper - lower) / 2;
  }
  last_delay_ns_ = s.delay_ns;
  ++count_;
  return s;
}

}  // namespace crowdmesh::mesh
