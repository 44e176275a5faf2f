#include "mesh/gateway_timers.hpp"

#include <algorithm>

namespace crowdmesh::mesh {

bool GatewayTimers::take_heartbeat(std::int64_t now_ns) {
  if (now_ns < next_heartbeat_ns_) return false;
  next_heartbeat_ns_ = now_ns + heartbeat_interval_ns_;
  return true;
}

int GatewayTimers::poll_timeout_ms(std::int64_t now_ns, std::optional<std::int64_t> forward_deadline_ns) const {
  std::int64_t next = next_heartbeat_ns_;
  if (forward_deadline_ns) next = std::min(next, *forward_deadline_ns);
  if (probing_) next = std::min(next, next_probe_ns_);
  if (next <= now_ns) return 0;
  const std::int64_t ms = (next - now_ns + 999'999) / 1'000'000;
  return static_cast<int>(std::min<std::int64_t>(ms, kMaxPollTimeoutMs));
}

}  // namespace crowdmesh::mesh
