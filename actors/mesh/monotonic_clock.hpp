#pragma once
#include <cstdint>
#include <ctime>

namespace crowdmesh::mesh {

/// This host's CLOCK_MONOTONIC in ns (the local clock the mesh clock is
/// estimated against). Thread-safe, lock-free, no allocation.
inline std::int64_t monotonic_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

}  // namespace crowdmesh::mesh
