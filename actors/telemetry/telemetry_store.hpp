#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "crowdmesh/v1/stats.pb.h"
#include "mesh/mesh_gateway.hpp"

namespace crowdmesh::telemetry {

/// The latest telemetry sample of every (node, actor) this node hears: its
/// own (from its telemetry actor) and its peers' (tele.* on their event
/// sockets). Answers GetTelemetry and feeds the Prometheus endpoint.
/// Thread-safe (one mutex; put() is called by the telemetry actor and the
/// gateway thread, snapshot() by the router and the metrics server).
class TelemetryStore {
 public:
  /// interval_ms: the mesh's publishing interval; a node is stale after 3
  /// intervals without a sample (3 of its newest sample's
  /// next_sample_within_ms when that is set: an idle node publishes slower).
  explicit TelemetryStore(std::uint32_t interval_ms = 100) : interval_ms_(interval_ms) {}
  /// Keeps `sample` as the latest of (sample.node, sample.actor), received at
  /// `now_ns` (local monotonic clock). Older sequence numbers of the same
  /// publisher are ignored unless the sequence restarted at 0.
  void put(const crowdmesh::v1::Telemetry& sample, std::int64_t now_ns);
  /// Every node known from `nodes` (the gateway's view, liveness and roles)
  /// or from a sample, with its latest samples, age and stale flag at now_ns.
  crowdmesh::v1::TelemetrySnapshot snapshot(const std::vector<mesh::PeerState>& nodes, std::int64_t now_ns) const;
  /// The latest samples of one node (empty if none), in actor order.
  std::vector<crowdmesh::v1::Telemetry> samples_of(const std::string& node) const;
  std::uint32_t interval_ms() const { return interval_ms_; }

 private:
  struct Entry {
    crowdmesh::v1::Telemetry sample;
    std::int64_t received_ns = 0;
    bool valid = false;
  };
  std::uint32_t interval_ms_;
  mutable std::mutex m_;
  std::map<std::string, std::map<std::string, Entry>> nodes_;
};

}  // namespace crowdmesh::telemetry
