#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "mesh/subscription_set.hpp"

namespace crowdmesh::mesh {

/// Whether anyone watches this node's telemetry, so that it samples at full
/// rate only then (telemetry::TelemetryPace): about half of a playing node's
/// CPU at 1024-frame periods is its 10 Hz telemetry (docs/BENCHMARKS.md).
///
/// Watchers, as the gateway sees them:
/// - an operator here: a subscription on this node's events socket that
///   receives its telemetry (`tele.`, `tele.NODE.`, `tele.NODE.mixer`, or
///   everything) other than a peer's data subscription (peer_data_topic()), or a GetTelemetry answered within the
///   last `read_hold` (`control_node top` polls it every 250 ms);
/// - an operator on a peer: while a node has an operator, its gateway
///   subscribes to the marker topic kPeerMarker on every peer (nothing is
///   published under it), and each peer samples at full rate too. The marker
///   is not passed on, so two nodes never keep each other watched.
/// Peers always receive each other's telemetry (the data subscription,
/// peer_data_topic()), at the idle rate while nobody watches.
///
/// Pure; owned by the gateway thread. Times are crowdmesh::local_now_ns().
class TelemetryWatch {
 public:
  /// The topic a gateway subscribes to on its peers while an operator watches it.
  static constexpr const char* kPeerMarker = "watch.";
  /// What a gateway subscribes to on peer `node` to receive its telemetry:
  /// "tele.NODE", without the dot an operator types ("tele.NODE." or
  /// "tele.NODE.mixer" are watchers); a peer's socket carries no other
  /// node's telemetry, so the prefix receives exactly the peer's.
  static std::string peer_data_topic(const std::string& node) { return "tele." + node; }

  explicit TelemetryWatch(std::string node,
                          std::chrono::nanoseconds read_hold = std::chrono::seconds(3))
      : node_(std::move(node)), read_hold_ns_(read_hold.count()) {}

  /// The events socket's subscriptions changed (or not: idempotent).
  void set_subscriptions(const SubscriptionSet& subscriptions);
  /// A GetTelemetry addressed to this node was received at `now_ns`.
  void note_read(std::int64_t now_ns) { last_read_ns_ = now_ns; ever_read_ = true; }

  /// An operator watches this node (a subscriber, or a read within read_hold):
  /// its gateway should hold the marker subscription on every peer.
  bool operator_here(std::int64_t now_ns) const;
  /// Sample at full rate: an operator here, or a peer holds the marker.
  bool watched(std::int64_t now_ns) const { return peer_marker_ || operator_here(now_ns); }

 private:
  std::string node_;
  std::int64_t read_hold_ns_;
  std::int64_t last_read_ns_ = 0;
  bool ever_read_ = false;
  bool subscriber_ = false;   // an operator's subscription to this node's telemetry
  bool peer_marker_ = false;  // kPeerMarker held
};

}  // namespace crowdmesh::mesh
