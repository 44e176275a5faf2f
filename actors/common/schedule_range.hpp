#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

/// How far ahead a command may be scheduled (Envelope.execute_at_ns, OSC
/// start times): one source for the command router and the OSC bridge.
namespace crowdmesh::schedule {

/// Longest wait of a command held for its execute_at_ns, ns (one hour).
inline constexpr std::int64_t kMaxAheadNs = 3'600'000'000'000LL;
/// The same in seconds.
inline constexpr double kMaxAheadSeconds = 3600.0;

/// Mesh time `delay_seconds` after `now_ns`, ns, with every step defined:
/// NaN and delays ≤ 0 give now_ns, delays beyond kMaxAheadSeconds count as
/// kMaxAheadSeconds, and the sum saturates at INT64_MAX. Callers refuse
/// out-of-range delays first (naming the value); this only keeps the
/// arithmetic defined for any input. Pure.
inline std::int64_t at_ns_after(std::int64_t now_ns, double delay_seconds) noexcept {
  std::int64_t delay_ns = 0;
  if (delay_seconds >= kMaxAheadSeconds)
    delay_ns = kMaxAheadNs;
  else if (delay_seconds > 0)
    delay_ns = static_cast<std::int64_t>(std::llround(delay_seconds * 1e9));
  if (now_ns > std::numeric_limits<std::int64_t>::max() - delay_ns) return std::numeric_limits<std::int64_t>::max();
  return now_ns + delay_ns;
}

}  // namespace crowdmesh::schedule
