#pragma once
#include <cstdint>

namespace crowdmesh::rt {

/// CLOCK_MONOTONIC in ns (std::chrono::steady_clock on Linux): the one
/// implementation of the process-local interval clock (common/local_clock.hpp's
/// crowdmesh::steady_now_ns() forwards here; the real-time library cannot
/// depend on common). Thread-safe, wait-free, no allocation: callable from the
/// audio callback.
std::int64_t steady_now_ns() noexcept;

}  // namespace crowdmesh::rt
