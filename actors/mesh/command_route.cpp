#include "mesh/command_route.hpp"

#include <algorithm>

#include "common/strings.hpp"

namespace crowdmesh::mesh {

CommandRoute route_command(const Address& target, const std::string& self, const std::vector<std::string>& peer_names,
                           bool from_peer) {
  CommandRoute r;
  if (target.node == self || target.node.empty()) return r;  // local
  if (target.every_node()) {
    r.kind = from_peer ? CommandRoute::Kind::here_only : CommandRoute::Kind::everywhere;
    return r;
  }
  const auto it = std::find(peer_names.begin(), peer_names.end(), target.node);
  if (it != peer_names.end()) {
    if (from_peer) {
      r.kind = CommandRoute::Kind::refused;
      r.reason = "reforward";
      r.sentence = "node " + self + " does not forward a command that another node forwarded (target " +
                   to_string(target) + ")";
      return r;
    }
    r.kind = CommandRoute::Kind::peer;
    r.peer = static_cast<std::size_t>(it - peer_names.begin());
    return r;
  }
  std::vector<std::string> known = peer_names;
  known.push_back(self);
  std::sort(known.begin(), known.end());
  r.kind = CommandRoute::Kind::refused;
  r.reason = "unknown_node";
  r.sentence = "unknown node '" + target.node + "' (known: " + join(known, ", ") + ")";
  return r;
}

}  // namespace crowdmesh::mesh
