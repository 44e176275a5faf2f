#include "rt/steady_clock.hpp"

#include <ctime>

namespace crowdmesh::rt {

std::int64_t steady_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

}  // namespace crowdmesh::rt
