#pragma once
#include <map>
#include <string>

#include "caf/expected.hpp"
#include "common/mesh_config.hpp"
#include "mesh/socket_security.hpp"

namespace crowdmesh::node {

/// This node's side of the mesh security (docs/SECURITY.md): how its sockets
/// authenticate, and the public key of every node it may connect to.
struct NodeSecurity {
  /// Its own key pair and the keys its servers let in (every node of the
  /// mesh, and the operators allowed on this node). Plain: empty.
  mesh::MeshSecurity sockets;
  /// Public key of every node, by name (curve mode).
  std::map<std::string, std::string> node_keys;

  /// The public key of the node whose control, events or audio endpoint is
  /// `endpoint`; empty when no node of the config has it.
  std::string key_of_endpoint(const MeshConfig& mesh, const std::string& endpoint) const;
};

/// Builds NodeSecurity for node `self` of `mesh`. Plain mode: nothing to read.
/// Curve mode: reads self.secret_key_file (mesh::read_curve_key_file) and
/// checks its public key is nodes.SELF.public_key. Errors: the key file's
/// errors (absolute path, what is wrong, what to run), and
/// errc::value_out_of_range when the file's public key differs from the
/// config's (both keys named).
caf::expected<NodeSecurity> node_security(const MeshConfig& mesh, const NodeConfig& self);

/// One startup line: "security: curve, N node keys and M operator keys let in",
/// or for plain mode either "plain (loopback only)" or a warning naming the
/// endpoints anyone on the network can reach without a key.
void log_security(const NodeSecurity& security, const NodeConfig& self);

}  // namespace crowdmesh::node
