#include "rt/wake_signal.hpp"

#include <cerrno>
#include <ctime>

namespace crowdmesh::rt {

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
