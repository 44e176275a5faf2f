#include "device/virtual_clock_grid.hpp"

#include <algorithm>
#include <cmath>

namespace crowdmesh::device {

VirtualClockGrid::VirtualClockGrid(double period_ns, int buffer_periods, std::int64_t start_ns) noexcept
    : period_ns_(period_ns),
      period_int_ns_(static_cast<std::int64_t>(std::llround(period_ns))),
      lead_ns_(static_cast<std::int64_t>(std::llround((std::max(buffer_periods, 2) - 1) * period_ns))),
      anchor_ns_(start_ns) {}

std::int64_t VirtualClockGrid::at(std::uint64_t n) const noexcept {
  return anchor_ns_ + static_cast<std::int64_t>(std::llround(static_cast<double>(n) * period_ns_));
}

bool VirtualClockGrid::may_wait(std::int64_t now) const noexcept {
  return now >= deadline() + period_int_ns_ && now < dac_time() - period_int_ns_;
}

VirtualClockGrid::Step VirtualClockGrid::wake(std::int64_t now) noexcept {
  Step step;
  if (now >= dac_time()) {
    step.xrun = true;
    step.abandoned_dac_ns = dac_time();
    anchor_ns_ = now;
    n_ = 0;
    catching_up_ = false;
    return step;
  }
  const bool behind = now >= deadline() + period_int_ns_;
  step.late_wakeup = behind && !catching_up_;
  catching_up_ = behind;
  return step;
}

}  // namespace crowdmesh::device
