#pragma once
// Where a gateway sends a command, from its target address alone.
#include <cstddef>
#include <string>
#include <vector>

#include "mesh/address.hpp"

namespace crowdmesh::mesh {

/// A gateway's decision for one command (docs/PROTOCOL.md, "Addressing").
struct CommandRoute {
  enum class Kind {
    local,         ///< this node's actor
    everywhere,    ///< this node's actor, and forwarded to every peer (sent by a client)
    here_only,     ///< "*" from a peer: this node's actor only (the sender fans out itself)
    peer,          ///< forwarded to peers[peer]
    refused,       ///< answered here with ERROR_CODE_UNKNOWN_NODE and `sentence`
  };
  Kind kind = Kind::local;
  std::size_t peer = 0;  ///< index into the peer names (Kind::peer)
  std::string sentence;  ///< why it is refused (Kind::refused)
  /// Kind::refused: "reforward" (a peer's command for a third node) or
  /// "unknown_node" (a key for the rate-limited log).
  const char* reason = "";
};

/// Routes a command addressed to `target` that reached the gateway of node
/// `self`, whose peers are `peer_names` (config order). `from_peer`: it came
/// from another gateway (which already forwarded it once; a command is
/// forwarded at most one hop, so it is never forwarded again). Refusals name
/// the node and, for an unknown node, the known ones (sorted). Thread-safe (pure).
CommandRoute route_command(const Address& target, const std::string& self, const std::vector<std::string>& peer_names,
                           bool from_peer);

}  // namespace crowdmesh::mesh
