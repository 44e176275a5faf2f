#include "rt/wake_signal.hpp"

#include "rt/steady_clock.hpp"

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace crowdmesh::rt {

void WakeSignal::post() noexcept {
  std::int64_t none = 0;
  pending_since_ns_.compare_exchange_strong(none, steady_now_ns(), std::memory_order_relaxed);
  ::sem_post(&sem_);
}

std::int64_t WakeSignal::take_wake_latency_ns() noexcept {
  const auto since = pending_since_ns_.exchange(0, std::memory_order_relaxed);
  if (since == 0) return 0;
  return std::max<std::int64_t>(0, steady_now_ns() - since);
}

bool WakeSignal::wait_for(std::chrono::nanoseconds timeout) noexcept {
  timespec deadline{};
  ::clock_gettime(CLOCK_REALTIME, &deadline);  // sem_timedwait takes CLOCK_REALTIME
  const auto ns = deadline.tv_nsec + timeout.count();
  deadline.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
  deadline.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  int rc;
  while ((rc = ::sem_timedwait(&sem_, &deadline)) != 0 && errno == EINTR) {
  }
  if (rc != 0) return false;
  while (::sem_trywait(&sem_) == 0) {
  }
  return true;
}

}  // namespace crowdmesh::rt
