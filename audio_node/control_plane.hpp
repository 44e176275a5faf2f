#pragma once
#include <atomic>
#include <functional>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "common/mesh_config.hpp"
#include "common/mesh_time.hpp"
#include "mesh/mesh_gateway.hpp"
#include "node_security.hpp"
#include "osc/osc_bridge.hpp"

namespace crowdmesh::node {

/// The node's link to its gateway for anything that needs mesh time or wants
/// to publish before, without or after a gateway: CLOCK_MONOTONIC plus the
/// gateway's offset once it runs. Thread-safe.
class MeshClock {
 public:
  /// Mesh time now, ns.
  std::int64_t now_ns() const;
  /// Publishes on the gateway's event socket; dropped when none is attached.
  void publish(const std::string& topic, crowdmesh::v1::Envelope env);
  /// Publishes each (topic, envelope) with one wake-up of the gateway thread
  /// (MeshGateway::publish_all); dropped when no gateway is attached.
  void publish_all(std::vector<std::pair<std::string, crowdmesh::v1::Envelope>> envelopes);
  /// Uses this gateway from now on (nullptr: local clock, no publishing).
  void attach(mesh::MeshGateway* gateway) { gateway_.store(gateway); }
  /// The node's mesh time function: the gateway's clock estimator writes it,
  /// the device's playout thread reads it (local time until a gateway runs).
  std::shared_ptr<MeshTimeSource> time_source() const { return time_; }

 private:
  std::atomic<mesh::MeshGateway*> gateway_{nullptr};
  std::shared_ptr<MeshTimeSource> time_ = std::make_shared<MeshTimeSource>();
};

/// A node's control plane: the mesh gateway (ZeroMQ, commands from any node)
/// and the OSC bridge (the original server's UDP API), both delivering to the
/// command router actor. When the gateway cannot start (port in use) the node
/// keeps playing and the reason is returned in `errors`. When the OSC bridge
/// cannot bind, the node must not run on (another process would silently
/// receive the operators' OSC): `osc_failure()` names the port and the caller
/// exits; OSC is off only when the config says so (`[nodes.NAME.osc]
/// enabled = false`, or no "osc" role).
class ControlPlane {
 public:
  /// Starts what the node's config asks for. `router` must accept NodeRequest.
  /// `security`: the gateway's sockets (plain or CURVE, docs/SECURITY.md).
  /// `on_event` receives every event envelope from a peer (gateway thread; must not block).
  static std::unique_ptr<ControlPlane> start(const MeshConfig& mesh, const NodeConfig& self,
                                             const NodeSecurity& security, caf::actor router, MeshClock& clock,
                                             std::vector<std::string>& errors,
                                             std::function<void(const crowdmesh::v1::Envelope&)> on_event = {});
  ~ControlPlane();
  /// Stops the OSC bridge, then the gateway (joins their threads). Idempotent.
  void stop();

  /// Why the OSC bridge did not start (names the address and port), or empty
  /// when it runs or was not asked for.
  const std::string& osc_failure() const { return osc_failure_; }

  /// The OSC bridge, or null when it does not run (its stats() are thread-safe).
  const osc::OscBridge* osc() const { return osc_.get(); }

  /// The gateway, or null when it did not start.
  mesh::MeshGateway* gateway() { return gateway_.get(); }

 private:
  ControlPlane() = default;
  std::unique_ptr<mesh::MeshGateway> gateway_;
  std::unique_ptr<osc::OscBridge> osc_;
  MeshClock* clock_ = nullptr;
  std::string osc_failure_;
};

/// The gateway settings for `self` within `mesh` (peers = every other node).
mesh::GatewayConfig gateway_config(const MeshConfig& mesh, const NodeConfig& self, const NodeSecurity& security);

}  // namespace crowdmesh::node
