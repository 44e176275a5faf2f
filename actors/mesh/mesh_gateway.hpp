#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "caf/expected.hpp"
#include "crowdmesh/v1/envelope.pb.h"
#include "mesh/address.hpp"
#include "mesh/envelope_codec.hpp"
#include "mesh/gateway_config.hpp"

namespace crowdmesh::mesh {

/// Answers one command. Thread-safe and copyable; the first call counts, later
/// calls are ignored. If every copy is destroyed without a call, the client
/// gets an ERROR_CODE_INTERNAL reply saying the actor dropped the command.
using Responder = std::function<void(crowdmesh::v1::Reply)>;

/// Called on the gateway thread for every command addressed to this node
/// (after validation; GetNodes is answered by the gateway and never reaches
/// it). Must not block: post the work (e.g. to CAF actors) and call `respond`
/// later from any thread. An exception thrown by it becomes an INTERNAL reply.
using CommandHandler = std::function<void(const crowdmesh::v1::Envelope& command, Responder respond)>;

/// Optional: called on the gateway thread for every event/telemetry envelope
/// received from a peer's PUB (topic, envelope). Must not block.
using EventHandler = std::function<void(const std::string& topic, const crowdmesh::v1::Envelope& env)>;

/// One node as this gateway sees it.
struct PeerState {
  std::string name;
  std::vector<std::string> roles;
  /// Heard within liveness × heartbeat_interval (always true for this node).
  bool alive = false;
  /// True for this node's own entry.
  bool self = false;
  /// Since the last message from it, ms; -1 = never heard; 0 for this node.
  std::int64_t last_heard_age_ms = -1;
  /// Its mesh clock offset estimate (reference − local), ns, as it announces
  /// it in heartbeats (this node: its own estimate).
  std::int64_t clock_offset_ns = 0;
  /// Round trip of its last clock probe, ms.
  double clock_rtt_ms = 0;
  /// Its fitted skew against the reference, ppm (heartbeat).
  double clock_skew_ppm = 0;
  /// Its estimated mesh time error, ns; −1 = unknown (heartbeat).
  std::int64_t clock_error_ns = -1;
  /// Its mesh clock is locked (heartbeat; always true on the reference).
  bool clock_locked = false;
  std::string control_endpoint;
};

/// This node's mesh clock as the gateway's ClockEstimator sees it
/// (MeshGateway::clock_stats(); ClockStats telemetry).
struct MeshClockStats {
  /// Node whose clock is mesh time.
  std::string reference;
  /// This node is the reference: mesh = local, always locked, all figures 0.
  bool is_reference = false;
  /// Locked (ClockEstimatorStats::locked); before the first lock mesh = local.
  bool locked = false;
  /// Mesh − local time now, ns (the published function).
  std::int64_t offset_ns = 0;
  /// Fitted skew of the reference against this node's local clock, ppm.
  double skew_ppm = 0;
  /// Estimated error of mesh time, ns (ClockEstimatorStats::estimated_error_ns); −1 = no probe yet.
  std::int64_t estimated_error_ns = -1;
  /// Round trip of the last accepted probe / smallest in the window, ns.
  std::int64_t rtt_ns = 0;
  std::int64_t min_rtt_ns = 0;
  /// Probes in the current fit.
  std::size_t probes_used = 0;
  /// Probes never fitted (outlier gate, jump suspects), since start.
  std::uint64_t probes_rejected = 0;
  /// Steps of the mesh time function past 1 ms (not the first alignment).
  std::uint64_t steps = 0;
  /// Re-locks after a jump of the reference clock.
  std::uint64_t relocks = 0;
};

/// Counters since start. Each is incremented once per event named.
struct GatewayStats {
  std::uint64_t commands_in = 0;       ///< valid commands accepted on the ROUTER
  std::uint64_t replies_out = 0;       ///< replies sent on the ROUTER (local, forwarded back, errors)
  std::uint64_t forwarded = 0;         ///< commands forwarded to a peer
  std::uint64_t malformed = 0;         ///< unparsable frames, bad frame counts, bad addresses
  std::uint64_t too_large = 0;         ///< frames above max_message_bytes
  std::uint64_t version_mismatch = 0;  ///< protocol_version != 1
  std::uint64_t unknown_payload = 0;   ///< no payload, wrong payload kind, no command set
  std::uint64_t unknown_node = 0;      ///< target node not in the mesh (or a re-forward)
  std::uint64_t timeouts = 0;          ///< forwarded commands the peer did not answer in time
  std::uint64_t not_alive = 0;         ///< commands answered "node X is not alive"
  std::uint64_t unroutable = 0;        ///< replies the ROUTER could not deliver (client gone)
  std::uint64_t late_replies = 0;      ///< peer replies after the timeout (dropped)
  std::uint64_t handler_errors = 0;    ///< handler threw or dropped a Responder unanswered
  std::uint64_t published = 0;         ///< envelopes sent on the PUB (incl. heartbeats)
  std::uint64_t publish_dropped = 0;   ///< publish() calls dropped (queue full or PUB busy)
  std::uint64_t clock_samples = 0;     ///< clock probe answers accepted by the estimator
  std::uint64_t probes_answered = 0;   ///< clock probes from other nodes answered (not in replies_out)
  std::uint64_t unknown_keys = 0;      ///< CURVE handshakes refused: key not a node's or an operator's (ZAP)
  std::uint64_t handshakes_failed = 0;  ///< connections to the ROUTER whose handshake failed (unknown key,
                                        ///< no CURVE against a CURVE node, garbage), from the socket monitor
};

/// The mesh gateway of one process (docs/ARCHITECTURE.md "Mesh: protobuf over
/// ZeroMQ"): owns every ZeroMQ socket on one thread running a zmq::poll loop,
/// routes commands to the local handler or forwards them to peers, routes
/// replies back, publishes events and heartbeats, tracks peer liveness and
/// estimates the mesh clock. All public functions are thread-safe.
/// External input never stops it: bad frames get an Error reply (ROUTER) or
/// are dropped (from peers), counted and logged at most once per kind per 10 s.
class MeshGateway {
 public:
  /// Binds the ROUTER (control_bind) and the PUB (events_bind; an XPUB, to
  /// know who watches the telemetry), connects a DEALER (ZMQ_IMMEDIATE,
  /// linger 0, reconnect 100 ms) to every peer's control endpoint and a SUB
  /// ("evt." and "tele.PEER.", plus TelemetryWatch::kPeerMarker while an
  /// operator watches this node) to every peer's events endpoint, starts the
  /// thread.
  /// Errors: errc::io_error naming the endpoint and ZeroMQ's message ("cannot
  /// bind tcp://127.0.0.1:7700: Address already in use");
  /// errc::value_out_of_range for a bad config (empty or duplicate node name,
  /// clock reference not a known node, non-positive interval or liveness).
  static caf::expected<std::unique_ptr<MeshGateway>> start(GatewayConfig cfg, CommandHandler handler,
                                                           EventHandler on_event = {});

  /// stop().
  ~MeshGateway();
  MeshGateway(const MeshGateway&) = delete;
  MeshGateway& operator=(const MeshGateway&) = delete;

  /// Stops the thread and closes the sockets. Idempotent; joins. Do not call
  /// from the handler (the gateway thread).
  void stop();

  /// Queues `env` for the PUB socket under `topic` (e.g. "evt.room-a.mixer")
  /// and wakes the gateway thread. Sets protocol_version to 1, an empty
  /// source to "<node>/gateway" and, if 0, send_time_ns to mesh time. Never blocks on the network; dropped and
  /// counted when 10000 are queued or after stop().
  void publish(const std::string& topic, crowdmesh::v1::Envelope env);
  /// publish() for each (topic, envelope), in order, with one wake-up of the
  /// gateway thread for all of them (the telemetry actor's samples of one
  /// tick). Each one dropped is counted as publish() does.
  void publish_all(std::vector<std::pair<std::string, crowdmesh::v1::Envelope>> envelopes);

  /// This node (alive, self) followed by the peers in config order.
  std::vector<PeerState> nodes() const;
  /// Counters since start.
  GatewayStats stats() const;
  /// "curve" or "plain".
  const char* security_mode() const;
  /// The bound ROUTER endpoint (ZMQ_LAST_ENDPOINT, real port for ":*").
  std::string control_endpoint() const;
  /// The bound PUB endpoint.
  std::string events_endpoint() const;
  /// This node's name.
  const std::string& node() const;
  /// Mesh time now, ns: the mesh time function (GatewayConfig::mesh_time) at
  /// crowdmesh::local_now_ns(); local time on the reference node and before
  /// the first lock. Lock-free (seqlock read).
  std::int64_t mesh_time_ns() const;
  /// Mesh − local time now, ns (0 on the reference). Lock-free.
  std::int64_t clock_offset_ns() const;
  /// True while someone watches this node's telemetry (TelemetryWatch: an
  /// operator's subscription to it on the events socket, a GetTelemetry in
  /// the last 3 s, or a peer whose operator watches); the telemetry actor
  /// samples at full rate only then. Lock-free.
  bool telemetry_watched() const;
  /// The clock estimate now (offset, skew, error, RTT, steps, re-locks,
  /// lock state, reference). Thread-safe (a short mutex).
  MeshClockStats clock_stats() const;
  /// The mesh time function this gateway writes (GatewayConfig::mesh_time or
  /// its own). Readers: any thread.
  std::shared_ptr<const crowdmesh::MeshTimeSource> mesh_time() const;

 private:
  struct Impl;
  explicit MeshGateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crowdmesh::mesh
