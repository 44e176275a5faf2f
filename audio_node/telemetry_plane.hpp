#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "caf/actor_system.hpp"
#include "caf/expected.hpp"
#include "caf/scoped_actor.hpp"
#include "control_plane.hpp"
#include "telemetry/master_meter.hpp"
#include "telemetry/metrics_server.hpp"
#include "telemetry/telemetry_actor.hpp"
#include "telemetry/telemetry_store.hpp"

namespace crowdmesh::node {

/// Telemetry settings of a node (audio_node --telemetry-interval,
/// --telemetry-idle-interval, --metrics-port).
struct TelemetrySettings {
  std::string node;                       ///< this node's name
  std::uint32_t interval_ms = 100;        ///< publishing interval (10 Hz)
  std::uint32_t idle_interval_ms = 1000;  ///< publishing interval while the node idles (see TelemetryPace)
  std::uint16_t metrics_port = 0;         ///< Prometheus endpoint port; 0 = none
  std::string metrics_bind;               ///< address to serve it on
};

/// A node's telemetry: the telemetry actor (samples every local actor and
/// publishes tele.<node>.<actor>), the store of the latest samples of every
/// node (its own and its peers', for GetTelemetry / `control_node top`), the
/// master meter fed by the mixer tap, and the Prometheus endpoint.
/// Thread contract: start/stop from the node's main thread; the rest is
/// thread-safe.
class TelemetryPlane {
 public:
  explicit TelemetryPlane(TelemetrySettings settings);
  ~TelemetryPlane();
  /// Fed by the mixer's tap (master loudness, clipping, silence).
  std::shared_ptr<telemetry::MasterMeter> master_meter() const { return meter_; }
  /// Serves /metrics when a port was given. Errors: the server's (address
  /// and port named); the node goes on without it.
  caf::expected<void> start_metrics();
  /// Spawns the telemetry actor with `actors` (handles, backend, tempo node
  /// filled by the caller); publishing goes to `clock` and the store, links
  /// come from `control`'s gateway (may be null), and `add_streams` appends
  /// the streams this node receives to them (may be empty).
  void start_actor(caf::actor_system& sys, telemetry::TelemetryActorConfig actors, MeshClock& clock,
                   ControlPlane* control, std::function<void(crowdmesh::v1::LinkStats&)> add_streams = {});
  /// Stops the actor (before the gateway it publishes through) and the
  /// metrics endpoint. Idempotent.
  void stop(caf::scoped_actor& self);
  /// Keeps a peer's telemetry envelope; false when `env` is not telemetry.
  bool on_peer_event(const crowdmesh::v1::Envelope& env);
  /// Every node's latest telemetry as this node knows it (GetTelemetry).
  crowdmesh::v1::TelemetrySnapshot snapshot(ControlPlane* control) const;
  /// Port the metrics endpoint listens on (0 = none).
  std::uint16_t metrics_port() const { return server_ ? server_->port() : 0; }

 private:
  TelemetrySettings settings_;
  std::shared_ptr<telemetry::MasterMeter> meter_;
  std::unique_ptr<telemetry::TelemetryStore> store_;
  std::unique_ptr<telemetry::MetricsServer> server_;
  telemetry::TelemetryActor actor_;
};

}  // namespace crowdmesh::node
