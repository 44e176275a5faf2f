#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "caf/all.hpp"
#include "common/mesh_config.hpp"
#include "control_plane.hpp"
#include "device/device_actor.hpp"
#include "device/device_config.hpp"
#include "encoder_role.hpp"
#include "stream_role.hpp"
#include "master_stream.hpp"
#include "mesh/audio_publisher.hpp"
#include "mixer/mixer_actor.hpp"
#include "node_options.hpp"
#include "run_summary.hpp"
#include "stretch/stretch_actor.hpp"
#include "telemetry_plane.hpp"
#include "tempo/tempo_actor.hpp"

namespace crowdmesh::node {

// How run_node() assembles a playing node, step by step. Every function is
// called from run_node()'s thread; references passed in must outlive the
// actors (they live in run_node()'s frame).

//// The actors of a playing node, and what feeds or outlives them.
struct NodeActors {
  stretch::StretchActor stretch;
  mixer::MixerActor mixer;
  device::DeviceActor device;
  /// The device's counters for readers that do not ask the device actor (telemetry).
  std::shared_ptr<device::DeviceStatsView> device_view;
  tempo::TempoActor tempo;
  caf::actor router;
  std::unique_ptr<ControlPlane> control;
  std::unique_ptr<EncoderRole> encoder_role;
  std::shared_ptr<MasterStream> master_stream;
  /// Remote playout (a real-pace device with the mesh on): the device renders through it.
  std::unique_ptr<StreamRole> streams;
  /// Commands the router refused for holding 256 already (telemetry reads it).
  std::shared_ptr<std::atomic<std::uint64_t>> held_refused = std::make_shared<std::atomic<std::uint64_t>>(0);
};

/// The PUB that carries this node's mix to remote encoders; none with --mesh
/// off or when its endpoint cannot be bound (the reason goes to summary.errors).
std::unique_ptr<mesh::AudioPublisher> start_audio_publisher(const NodeOptions& o, const NodeConfig& node,
                                                            RunSummary& summary);

/// Spawns stretch → mixer (its master tap feeds `audio_pub`, the local
/// encoder and the telemetry meter) → device into `a` (a.encoder_role, when
/// set, must be started before). Real-pace devices render the mixer on their
/// playout thread through a RenderPort; offline renders ask the mixer.
void spawn_audio_path(caf::actor_system& sys, const NodeOptions& o, const MeshConfig& mesh_cfg, const NodeConfig& node,
                      const device::DeviceConfig& dev, const std::string& record_path, MeshClock& mesh_clock,
                      TelemetryPlane& telemetry, mesh::AudioPublisher* audio_pub, NodeActors& a);

/// With --mesh on: the tempo actor (on the mesh's tempo node), the command
/// router and the control plane (gateway, OSC) into `a`. Errors go to
/// summary.errors (an OSC port that cannot be bound: a.control->osc_failure()).
void start_mesh_side(caf::actor_system& sys, caf::scoped_actor& self, const NodeOptions& o, const MeshConfig& mesh_cfg,
                     const NodeConfig& node, const device::DeviceConfig& dev, MeshClock& mesh_clock,
                     TelemetryPlane& telemetry, RunSummary& summary, NodeActors& a);

/// The /metrics server and, on a node with the telemetry role, the telemetry actor.
void start_telemetry(caf::actor_system& sys, const MeshConfig& mesh_cfg, const NodeConfig& node,
                     const device::DeviceConfig& dev, MeshClock& mesh_clock, TelemetryPlane& telemetry,
                     RunSummary& summary, NodeActors& a);

/// Stops what publishes through the gateway first (telemetry, tempo), then the
/// gateway, then every other actor. Idempotent enough for every exit path.
void shutdown(caf::scoped_actor& self, TelemetryPlane& telemetry, NodeActors& a);

/// After the device stopped: the mixer's last state into `summary`, the last
/// blocks to the stream, and the local encoder stopped (its errors listed).
void finish_run(caf::scoped_actor& self, NodeActors& a, RunSummary& summary);

}  // namespace crowdmesh::node
