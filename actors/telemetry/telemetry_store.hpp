#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "crowdmesh/v1/stats.pb.h"
#include "mesh/mesh_gateway.hpp"

namespace crowdmesh::telemetry {

/// What the store keeps and what it turned away since start.
struct TelemetryStoreStats {
  std::size_t entries = 0;     ///< (node, actor) pairs held now (at most the store's max_entries)
  std::uint64_t evicted = 0;   ///< entries dropped to make room for a new (node, actor): oldest-heard first
  std::uint64_t oversize = 0;  ///< samples refused for being larger than kMaxSampleBytes
};

/// The latest telemetry sample of every (node, actor) this node hears: its
/// own (from its telemetry actor) and its peers' (tele.* on their event
/// sockets). Answers GetTelemetry and feeds the Prometheus endpoint.
/// Bounded: the (node, actor) names come from the network, so at most
/// `max_entries` pairs are kept (a new pair beyond that evicts the one heard
/// from longest ago, counted; a live peer is back with its next sample) and a
/// sample larger than kMaxSampleBytes is refused (counted). Both counts are in
/// stats() and logged at most once per kLogIntervalNs; the node puts them in
/// the TelemetrySnapshot it answers (store_entries, store_evicted, store_oversize).
/// Thread-safe (one mutex; put() is called by the telemetry actor and the
/// gateway thread, snapshot() by the router and the metrics server).
class TelemetryStore {
 public:
  /// Default for max_entries: 128 nodes × 8 actors, beyond any installation.
  static constexpr std::size_t kDefaultMaxEntries = 1024;
  /// Largest sample kept, bytes (serialized); a node's sample is a few KiB.
  static constexpr std::size_t kMaxSampleBytes = 64 * 1024;
  /// Shortest time between two log lines about evicted or refused samples, ns.
  static constexpr std::int64_t kLogIntervalNs = 10'000'000'000;

  /// interval_ms: the mesh's publishing interval; a node is stale after 3
  /// intervals without a sample (3 of its newest sample's
  /// next_sample_within_ms when that is set: an idle node publishes slower).
  /// max_entries: most (node, actor) pairs kept (at least 1).
  explicit TelemetryStore(std::uint32_t interval_ms = 100, std::size_t max_entries = kDefaultMaxEntries)
      : interval_ms_(interval_ms), max_entries_(max_entries > 0 ? max_entries : 1) {}
  /// Keeps `sample` as the latest of (sample.node, sample.actor), received at
  /// `now_ns` (local monotonic clock). Older sequence numbers of the same
  /// publisher are ignored unless the sequence restarted at 0. Samples without
  /// node or actor are ignored; oversize ones are refused and counted.
  void put(const crowdmesh::v1::Telemetry& sample, std::int64_t now_ns);
  /// Every node known from `nodes` (the gateway's view, liveness and roles)
  /// or from a sample, with its latest samples, age and stale flag at now_ns.
  crowdmesh::v1::TelemetrySnapshot snapshot(const std::vector<mesh::PeerState>& nodes, std::int64_t now_ns) const;
  /// The latest samples of one node (empty if none), in actor order.
  std::vector<crowdmesh::v1::Telemetry> samples_of(const std::string& node) const;
  /// Entries held and the evicted / refused counts since start.
  TelemetryStoreStats stats() const;
  std::uint32_t interval_ms() const { return interval_ms_; }

 private:
  using Key = std::pair<std::string, std::string>;  // node, actor
  struct Entry {
    crowdmesh::v1::Telemetry sample;
    std::int64_t received_ns = 0;
    std::list<Key>::iterator heard;  // its place in heard_
  };
  // Makes room for one more entry (m_ held).
  void evict_oldest();
  // Logs the counts when kLogIntervalNs passed since the last line (m_ held).
  void log_refusals(std::int64_t now_ns);

  std::uint32_t interval_ms_;
  std::size_t max_entries_;
  mutable std::mutex m_;
  std::map<std::string, std::map<std::string, Entry>> nodes_;
  std::list<Key> heard_;  // every entry, least recently heard first
  TelemetryStoreStats stats_;
  std::int64_t logged_ns_ = 0;
  bool logged_ = false;
};

}  // namespace crowdmesh::telemetry
