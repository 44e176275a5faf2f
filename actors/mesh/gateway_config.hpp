#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/mesh_time.hpp"
#include "mesh/socket_security.hpp"

namespace crowdmesh::mesh {

/// Another node of the mesh, from the static list in the mesh config.
struct PeerConfig {
  /// Node name, unique in the mesh, e.g. "room-b".
  std::string name;
  /// Its ROUTER, e.g. "tcp://10.0.0.12:7700" (this gateway connects a DEALER).
  std::string control_endpoint;
  /// Its PUB, e.g. "tcp://10.0.0.12:7701" (this gateway connects a SUB).
  std::string events_endpoint;
  /// Roles as configured ("device", "mixer", ...); replaced by the roles the
  /// peer announces in its heartbeats once heard.
  std::vector<std::string> roles;
  /// Its CURVE public key (40 Z85 characters); required when the gateway's
  /// security is curve (this gateway's DEALER and SUB check it is talking to
  /// that node).
  std::string public_key;
};

/// Everything MeshGateway::start() needs. Plain values; copy freely.
struct GatewayConfig {
  /// This node's name.
  std::string node;
  /// Announced in heartbeats and GetNodes.
  std::vector<std::string> roles;
  /// ROUTER: commands in, replies out. "tcp://127.0.0.1:*" picks a free port.
  std::string control_bind = "tcp://127.0.0.1:7700";
  /// PUB: events + telemetry, two frames [topic][envelope].
  std::string events_bind = "tcp://127.0.0.1:7701";
  /// The other nodes (static list from the mesh config). Must not contain `node`.
  std::vector<PeerConfig> peers;
  /// Node whose local clock (CLOCK_MONOTONIC_RAW, common/local_clock.hpp) is
  /// mesh time; empty or own name = this node. Otherwise it must be one of `peers`.
  std::string clock_reference;
  /// The node's mesh time function. The gateway is its only writer: identity
  /// on the reference node, otherwise the clock estimator's segment after
  /// every accepted probe and every probe tick (left as it is until the first
  /// lock). Null: the gateway makes its own.
  std::shared_ptr<crowdmesh::MeshTimeSource> mesh_time;
  /// Largest accepted envelope frame, bytes.
  std::size_t max_message_bytes = 1 << 20;
  /// How long a forwarded command waits for the peer's reply.
  std::chrono::milliseconds request_timeout{1000};
  /// Heartbeat period (also the liveness check period).
  std::chrono::milliseconds heartbeat_interval{500};
  /// Missed heartbeats before a peer is dead: alive = heard within
  /// liveness × heartbeat_interval.
  int liveness = 3;
  /// Clock probe period once locked; probes go at 10 Hz while locking (before
  /// the lock and for 3 s after the first probe of a lock).
  std::chrono::milliseconds clock_probe_interval{1000};
  /// Plain, or CURVE on the ROUTER, the PUB and the connections to peers
  /// (docs/SECURITY.md). In curve mode `security.authorized` lists the keys
  /// let in; a key named "node:..." marks a peer.
  MeshSecurity security;
};

}  // namespace crowdmesh::mesh
