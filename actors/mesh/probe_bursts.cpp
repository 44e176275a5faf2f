#include "mesh/probe_bursts.hpp"

namespace crowdmesh::mesh {

void ProbeBursts::make_room() {
  if (probes_.size() >= kMaxProbesInFlight) probes_.clear();
}

void ProbeBursts::sent(std::uint64_t id, std::int64_t t1_ns, int burst_index) {
  probes_[id] = InFlight{t1_ns, burst_index};
}

std::optional<ProbeMatch> ProbeBursts::answer(std::uint64_t id, std::int64_t t1_ns) {
  auto it = probes_.find(id);
  if (it == probes_.end() || it->second.t1_ns != t1_ns) return std::nullopt;
  ProbeMatch m;
  m.burst_index = it->second.burst_index;
  m.send_next = m.burst_index + 1 < kProbesPerBurst;
  m.fit = m.burst_index != 0;
  probes_.erase(it);
  return m;
}

}  // namespace crowdmesh::mesh
