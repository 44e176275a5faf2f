#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/typed_actor.hpp"
#include "common/atoms.hpp"
#include "crowdmesh/v1/stats.pb.h"
#include "device/device_actor.hpp"
#include "encoder/encoder_actor.hpp"
#include "mixer/mixer_actor.hpp"
#include "telemetry/master_meter.hpp"
#include "tempo/tempo_actor.hpp"

namespace crowdmesh::telemetry {

/// The telemetry actor's interface: it runs on its own timer (tick_atom with
/// the tick chain's generation: a tick brought forward retires the one
/// scheduled before) and answers nothing else.
using TelemetryActor = caf::typed_actor<caf::reacts_to<tick_atom, std::uint64_t>>;

/// One sample and its topic ("tele.<node>.<actor>").
struct TelemetrySample {
  std::string topic;
  crowdmesh::v1::Telemetry sample;
};
/// The samples handed to TelemetryActorConfig::publish at once.
using TelemetryBatch = std::vector<TelemetrySample>;

/// What the telemetry actor samples and where it sends the samples. Every
/// actor handle may be invalid (that role does not run here).
struct TelemetryActorConfig {
  std::string node;                         ///< this node's name (topics tele.<node>.<actor>)
  std::chrono::milliseconds interval{100};  ///< sampling period (10 Hz by default)
  /// Sampling period while the node idles (nothing playing or loading, no test
  /// tone, no tempo ramp, no encoder; see TelemetryPace); <= interval: always interval.
  std::chrono::milliseconds idle_interval{1000};
  device::DeviceActor device;
  /// The device's counters, read directly each tick (no request to the device
  /// actor); null = ask `device`.
  std::shared_ptr<device::DeviceStatsView> device_view;
  std::string backend;  ///< device backend description, for DeviceStats.backend
  mixer::MixerActor mixer;
  std::shared_ptr<MasterMeter> master_meter;  ///< master loudness/clipping/silence, fed by the mixer tap
  tempo::TempoActor tempo;
  std::string tempo_node;
  encoder::EncoderActor encoder;
  /// This node's links (the gateway's view); null = no mesh.
  std::function<crowdmesh::v1::LinkStats()> links;
  /// This node's mesh clock estimate (the gateway's ClockEstimator), sampled
  /// as actor "clock"; null = no mesh. Must not block.
  std::function<crowdmesh::v1::ClockStats()> clock;
  /// Mesh time now, ns (Telemetry.time_ns).
  std::function<std::int64_t()> mesh_time_ns;
  /// Whether anyone watches the telemetry now (MeshGateway::telemetry_watched()),
  /// asked each tick; null = always watched (no mesh). Must not block.
  std::function<bool()> watched;
  /// Receives the samples, each with its topic; called on the telemetry
  /// actor's thread, once per tick with all of that tick's samples (its own
  /// and the replies to its requests, when the last reply came: one wake-up
  /// of the gateway thread a tick instead of one per sample), and once per
  /// reply that came after the next tick began. May move from the samples.
  /// Must not block (publish + store).
  std::function<void(TelemetryBatch& samples)> publish;
};

/// Spawns the telemetry actor (docs/ARCHITECTURE.md, telemetry row): every
/// interval (idle_interval while the node idles or nobody watches) it asks each local actor for its stats (one request in flight per
/// actor, so a stuck actor skips samples instead of piling up requests;
/// the device's counters come from its DeviceStatsView when there is one),
/// samples the process (CPU %, RSS), the links and the mesh clock, and hands one Telemetry
/// per actor — numbered per actor, stamped with mesh time — to `publish`.
/// It never touches the real-time path: the device actor answers from the
/// atomic counters the callback already keeps.
TelemetryActor spawn_telemetry_actor(caf::actor_system& sys, TelemetryActorConfig cfg);

}  // namespace crowdmesh::telemetry
