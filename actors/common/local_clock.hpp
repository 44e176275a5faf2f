#pragma once
#include <cstdint>

namespace crowdmesh {

/// This host's CLOCK_MONOTONIC_RAW in ns: the hardware oscillator, never slewed
/// by NTP/chrony (clock_gettime(2)). It is the time base every node estimates
/// the mesh clock against, and the "true time" of the sync tests (every node on
/// one machine reads the same raw clock). Thread-safe, wait-free, no allocation.
std::int64_t raw_now_ns() noexcept;

/// A deliberate error in this node's local clock, for tests only: several nodes
/// on one machine then disagree about time as separate Raspberry Pis would
/// (`audio_node --test-clock-offset-us/--test-clock-skew-ppm`).
///   local(raw) = raw + offset_ns + (raw − anchor) × skew_ppm × 1e-6
/// with anchor = the raw time at which the injection was set.
struct LocalClockInjection {
  std::int64_t offset_ns = 0;  ///< added to every reading, ns
  double skew_ppm = 0.0;       ///< local clock rate error, ppm (−1000..1000)
};

/// Sets the injection. Call once at start-up, before any thread reads the local
/// clock (not synchronised with readers). Values outside the ranges above are
/// clamped.
void inject_local_clock_error(const LocalClockInjection& injection) noexcept;

/// The local clock reading for a raw clock reading `raw_ns` (identity without
/// injection). Thread-safe, wait-free.
std::int64_t local_from_raw(std::int64_t raw_ns) noexcept;

/// CLOCK_MONOTONIC in ns (std::chrono::steady_clock on Linux): for intervals,
/// timeouts, rate limits and timestamps that stay inside one process and must
/// not follow the test-only injection above. Forwards to rt::steady_now_ns()
/// (rt/steady_clock.hpp), the one implementation.
/// Thread-safe, wait-free, no allocation (callable from the audio callback).
std::int64_t steady_now_ns() noexcept;

/// This node's local clock in ns: local_from_raw(raw_now_ns()). The clock the
/// mesh clock probes, the device timing and the mesh time map all use.
/// Thread-safe, wait-free, no allocation (callable from the audio callback).
std::int64_t local_now_ns() noexcept;

}  // namespace crowdmesh
