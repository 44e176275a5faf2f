#pragma once
#include <functional>
#include <atomic>
#include <memory>
#include <string>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "crowdmesh/v1/envelope.pb.h"
#include "device/device_actor.hpp"
#include "mixer/mixer_actor.hpp"
#include "tempo/tempo_actor.hpp"

namespace crowdmesh::node {

/// Answers one command; thread-safe, called exactly once.
using ReplyFn = std::function<void(crowdmesh::v1::Reply)>;

/// A command that reached this node (from the mesh gateway or the OSC bridge)
/// and the way to answer it. Process-local.
struct NodeRequest {
  std::shared_ptr<const crowdmesh::v1::Envelope> envelope;
  ReplyFn reply;
};

/// What the router talks to.
struct RouterConfig {
  std::string node;            ///< this node's name (in status replies)
  mixer::MixerActor mixer;     ///< deck/buffer/master commands
  device::DeviceActor device;  ///< device stats in status (may be invalid: no device role)
  /// Mesh time now, ns (for execute_at_ns); CLOCK_MONOTONIC when unset.
  std::function<std::int64_t()> mesh_time_ns;
  tempo::TempoActor tempo;        ///< movement / set tempo, when this node hosts it (else invalid)
  stretch::StretchActor stretch;  ///< the tempo this node applies (status current_bpm)
  std::string tempo_node;         ///< where the tempo actor runs (named in errors)
  /// Where struct JSONs (CueSection) may be read from: the loads' media roots.
  stretch::MediaRoots media_roots;
  /// Stall (a drill that starves the device on purpose) is accepted only when
  /// true: TOML `diagnostics` of the node, or audio_node --diagnostics.
  bool diagnostics = false;
  /// GetTelemetry: the latest telemetry of every node this node hears (null:
  /// telemetry does not run here).
  std::function<crowdmesh::v1::TelemetrySnapshot()> telemetry;
  /// RunDoctor: runs on a thread of its own (it measures for seconds) and
  /// answers through the callback, exactly once.
  std::function<void(const crowdmesh::v1::RunDoctor&, ReplyFn)> doctor;
  /// Remote-playout commands (SubscribeStream, UnsubscribeStream, PlayStream,
  /// StopStream, GetStreamSdp): answered by the node's StreamRole, exactly
  /// once (null: this node has no device, so it neither sends nor plays streams).
  std::function<void(const crowdmesh::v1::Command&, ReplyFn)> streams;
  /// Counts the commands refused because kMaxHeldCommands were already held
  /// (read by telemetry from any thread; null: not counted).
  std::shared_ptr<std::atomic<std::uint64_t>> held_refused;
};

/// Spawns the actor that turns wire commands (crowdmesh.v1.Command) into
/// requests to this node's actors and answers each with exactly one Reply: Ok
/// with the resulting state, or an Error with a code and a sentence. Commands
/// whose actor does not run here (tempo, test tone, filter) get a clear error
/// saying so. A command with execute_at_ns in the future is held until that
/// mesh time, at most one hour ahead (CAF timer resolution, about a
/// millisecond); StartTogether instead hands execute_at_ns to the mixer, which
/// starts on the first frame whose PTS reaches it. One handler per command
/// (command_handlers.hpp).
caf::actor spawn_command_router(caf::actor_system& sys, RouterConfig cfg);

}  // namespace crowdmesh::node

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(crowdmesh::node::NodeRequest)
