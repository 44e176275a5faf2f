#pragma once
#include <string>
#include <vector>

#include <zmq.hpp>

#include "mesh/curve_keys.hpp"

namespace crowdmesh::mesh {

/// A public key a node's servers let in, and who holds it.
struct AuthorizedKey {
  /// Identity given to connections that present the key: "node:room-b" or
  /// "operator:alice". The gateway reads it back (ZeroMQ's "User-Id" message
  /// property) to tell a peer from an operator.
  std::string name;
  /// CURVE public key, 40 Z85 characters.
  std::string public_key;
};

/// Identity prefix of a mesh node's key ("node:room-b").
inline constexpr const char* kNodeIdentityPrefix = "node:";
/// Identity prefix of an operator's key ("operator:alice").
inline constexpr const char* kOperatorIdentityPrefix = "operator:";

/// How the ZeroMQ sockets of one process authenticate (docs/SECURITY.md).
/// Plain: no authentication and no encryption (loopback-only setups). Curve:
/// every socket runs CURVE (RFC 26) with `own`; servers (ROUTER, PUB, XPUB)
/// let in only `authorized` keys, through a ZAP handler (RFC 27) on their
/// context; clients check the server's public key. Plain values.
struct MeshSecurity {
  bool curve = false;
  /// This process's key pair (a node's, or an operator's for control_node).
  CurveKeyPair own;
  /// Keys this process's servers accept: every node of the mesh and the
  /// operators allowed on this node.
  std::vector<AuthorizedKey> authorized;

  /// "curve" or "plain", for log lines.
  const char* mode_name() const { return curve ? "curve" : "plain"; }
};

/// ZAP domains, one per kind of server socket (counted and logged apart).
inline constexpr const char* kZapDomainControl = "crowdmesh.control";
inline constexpr const char* kZapDomainEvents = "crowdmesh.events";
inline constexpr const char* kZapDomainAudio = "crowdmesh.audio";

/// Makes `s` (before bind) a CURVE server in `domain` when `sec.curve`;
/// nothing in plain mode. The context needs a ZapHandler before the first
/// client connects, or every handshake fails. Throws zmq::error_t from
/// setsockopt. Thread contract: the socket's owning thread.
void secure_server(zmq::socket_t& s, const MeshSecurity& sec, const std::string& domain);

/// Makes `s` (before connect) a CURVE client of the server whose public key
/// is `server_key` when `sec.curve`; nothing in plain mode. Throws
/// zmq::error_t from setsockopt (an invalid key included). Thread contract:
/// the socket's owning thread.
void secure_client(zmq::socket_t& s, const MeshSecurity& sec, const std::string& server_key);

}  // namespace crowdmesh::mesh
