#pragma once
#include <cstdint>

#include "common/local_clock.hpp"

namespace crowdmesh::mesh {

/// This node's local clock in ns: crowdmesh::local_now_ns() (CLOCK_MONOTONIC_RAW
/// plus the test-only injected error), the clock the mesh clock is estimated
/// against. Monotonic (the injected skew is bounded to ±1000 ppm). For
/// intervals, timeouts and rate limits within this process; mesh time is
/// MeshGateway::mesh_time_ns(). Thread-safe, lock-free, no allocation.
inline std::int64_t monotonic_now_ns() noexcept { return crowdmesh::local_now_ns(); }

}  // namespace crowdmesh::mesh
