#include "mesh/peer_liveness.hpp"

#include <cstdio>

namespace crowdmesh::mesh {

bool PeerLiveness::heard(std::size_t index, std::int64_t now_ns) {
  last_heard_[index] = now_ns;
  if (reported_alive_[index]) return false;
  reported_alive_[index] = true;
  return true;
}

std::vector<std::pair<std::size_t, bool>> PeerLiveness::changes(std::int64_t now_ns) {
  std::vector<std::pair<std::size_t, bool>> out;
  for (std::size_t i = 0; i < last_heard_.size(); ++i) {
    const bool now_alive = alive(i, now_ns);
    if (now_alive == reported_alive_[i]) continue;
    reported_alive_[i] = now_alive;
    out.emplace_back(i, now_alive);
  }
  return out;
}

std::string PeerLiveness::not_alive_sentence(std::size_t index, const std::string& name, std::int64_t now_ns) const {
  if (last_heard_[index] < 0) return "node " + name + " is not alive (never heard from it)";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(now_ns - last_heard_[index]) / 1e9);
  return "node " + name + " is not alive (last heard " + buf + " s ago)";
}

}  // namespace crowdmesh::mesh
