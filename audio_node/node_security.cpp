#include "node_security.hpp"

#include "common/error.hpp"
#include "common/log.hpp"
#include "mesh/curve_keys.hpp"

namespace crowdmesh::node {
namespace {

// Loopback TCP and ipc:// are reachable from this machine only.
bool local_only(const std::string& endpoint) {
  if (endpoint.rfind("ipc://", 0) == 0 || endpoint.rfind("inproc://", 0) == 0) return true;
  for (const char* host : {"tcp://127.", "tcp://localhost:", "tcp://[::1]:"})
    if (endpoint.rfind(host, 0) == 0) return true;
  return false;
}

}  // namespace

std::string NodeSecurity::key_of_endpoint(const MeshConfig& mesh, const std::string& endpoint) const {
  for (const auto& n : mesh.nodes) {
    const auto& e = n.endpoints;
    if (e.control == endpoint || e.events == endpoint || e.audio == endpoint) {
      auto it = node_keys.find(n.name);
      return it == node_keys.end() ? std::string() : it->second;
    }
  }
  return {};
}

caf::expected<NodeSecurity> node_security(const MeshConfig& mesh, const NodeConfig& self) {
  NodeSecurity s;
  if (!mesh.security.curve) return s;
  auto pair = mesh::read_curve_key_file(self.secret_key_file);
  if (!pair)
    return make_error(error_code(pair.error()),
                      "security.mode = \"curve\" in " + mesh.origin + ": " + error_sentence(pair.error()));
  if (pair->public_key != self.public_key)
    return make_error(errc::value_out_of_range,
                      "key file " + self.secret_key_file + " holds public key " + pair->public_key + " but " +
                          mesh.origin + " gives nodes." + self.name + ".public_key = " + self.public_key +
                          " (a key of another node? put this node's public key in the config)");
  s.sockets.curve = true;
  s.sockets.own = *pair;
  for (const auto& n : mesh.nodes) {
    s.node_keys[n.name] = n.public_key;
    s.sockets.authorized.push_back({std::string(mesh::kNodeIdentityPrefix) + n.name, n.public_key});
  }
  for (const auto& op : mesh.security.operators)
    if (op.allowed_on(self.name))
      s.sockets.authorized.push_back({std::string(mesh::kOperatorIdentityPrefix) + op.name, op.public_key});
  return s;
}

void log_security(const NodeSecurity& security, const NodeConfig& self) {
  if (security.sockets.curve) {
    const std::size_t nodes = security.node_keys.size();
    spdlog::info("security: curve (CURVE authentication and encryption on control, events and audio); {} node keys "
                 "and {} operator keys let in",
                 nodes, security.sockets.authorized.size() - nodes);
    return;
  }
  std::string open;
  for (const auto& ep : {self.endpoints.control, self.endpoints.events, self.endpoints.audio})
    if (!local_only(ep)) open += (open.empty() ? "" : ", ") + ep;
  if (open.empty()) {
    spdlog::info("security: plain (no authentication; every endpoint is on loopback or ipc, reachable from this "
                 "machine only)");
  } else {
    spdlog::warn("security: plain: anyone who reaches {} controls this node and hears its audio, without a key; "
                 "set [security] mode = \"curve\" for a LAN (docs/SECURITY.md)",
                 open);
  }
}

}  // namespace crowdmesh::node
