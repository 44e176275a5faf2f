#include "telemetry/telemetry_store.hpp"

#include <algorithm>

#include "common/log.hpp"

namespace crowdmesh::telemetry {

void TelemetryStore::put(const crowdmesh::v1::Telemetry& sample, std::int64_t now_ns) {
  if (sample.node().empty() || sample.actor().empty()) return;
  const bool oversize = sample.ByteSizeLong() > kMaxSampleBytes;
  std::lock_guard<std::mutex> lock(m_);
  if (oversize) {
    ++stats_.oversize;
    return log_refusals(now_ns);
  }
  auto node = nodes_.find(sample.node());
  if (node != nodes_.end()) {
    auto it = node->second.find(sample.actor());
    if (it != node->second.end()) {
      Entry& e = it->second;
      if (sample.sequence() != 0 && sample.sequence() <= e.sample.sequence()) return;
      e.sample = sample;
      e.received_ns = now_ns;
      heard_.splice(heard_.end(), heard_, e.heard);
      return;
    }
  }
  if (stats_.entries >= max_entries_) {
    evict_oldest();
    log_refusals(now_ns);
    node = nodes_.find(sample.node());  // the eviction may have removed it
  }
  if (node == nodes_.end()) node = nodes_.emplace(sample.node(), std::map<std::string, Entry>{}).first;
  Entry& e = node->second[sample.actor()];
  e.sample = sample;
  e.received_ns = now_ns;
  e.heard = heard_.insert(heard_.end(), Key{sample.node(), sample.actor()});
  ++stats_.entries;
}

void TelemetryStore::evict_oldest() {
  if (heard_.empty()) return;
  const Key& oldest = heard_.front();
  auto node = nodes_.find(oldest.first);
  node->second.erase(oldest.second);
  if (node->second.empty()) nodes_.erase(node);
  heard_.pop_front();
  --stats_.entries;
  ++stats_.evicted;
}

void TelemetryStore::log_refusals(std::int64_t now_ns) {
  if (logged_ && now_ns - logged_ns_ < kLogIntervalNs) return;
  logged_ = true;
  logged_ns_ = now_ns;
  spdlog::warn(
      "telemetry store: {} entries evicted (at most {} node/actor pairs are kept, oldest-heard goes first) and {} "
      "samples over {} bytes refused so far: telemetry from more sources than the mesh has (a flood, or forged "
      "names?)",
      stats_.evicted, max_entries_, stats_.oversize, kMaxSampleBytes);
}

TelemetryStoreStats TelemetryStore::stats() const {
  std::lock_guard<std::mutex> lock(m_);
  return stats_;
}

crowdmesh::v1::TelemetrySnapshot TelemetryStore::snapshot(const std::vector<mesh::PeerState>& nodes,
                                                          std::int64_t now_ns) const {
  crowdmesh::v1::TelemetrySnapshot snap;
  snap.set_interval_ms(interval_ms_);
  std::lock_guard<std::mutex> lock(m_);
  std::vector<std::string> order;
  for (const auto& n : nodes) order.push_back(n.name);
  for (const auto& [name, _] : nodes_)
    if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
  for (const auto& name : order) {
    auto* nt = snap.add_nodes();
    nt->set_node(name);
    auto peer = std::find_if(nodes.begin(), nodes.end(), [&](const mesh::PeerState& p) { return p.name == name; });
    if (peer != nodes.end()) {
      nt->set_alive(peer->alive);
      for (const auto& r : peer->roles) nt->add_roles(r);
    }
    std::int64_t newest = 0;
    std::uint32_t within_ms = interval_ms_;  // as announced by the newest sample
    bool heard = false;
    auto it = nodes_.find(name);
    if (it != nodes_.end())
      for (const auto& [actor, e] : it->second) {
        *nt->add_samples() = e.sample;
        if (!heard || e.received_ns > newest) {
          newest = e.received_ns;
          within_ms = e.sample.next_sample_within_ms() > 0 ? e.sample.next_sample_within_ms() : interval_ms_;
        }
        heard = true;
      }
    const std::int64_t age_ms = heard ? (now_ns - newest) / 1'000'000 : -1;
    nt->set_age_ms(age_ms);
    nt->set_stale(age_ms < 0 || age_ms > 3 * static_cast<std::int64_t>(within_ms));
    if (peer == nodes.end()) nt->set_alive(!nt->stale());
  }
  return snap;
}

std::vector<crowdmesh::v1::Telemetry> TelemetryStore::samples_of(const std::string& node) const {
  std::vector<crowdmesh::v1::Telemetry> out;
  std::lock_guard<std::mutex> lock(m_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return out;
  for (const auto& [actor, e] : it->second) out.push_back(e.sample);
  return out;
}

}  // namespace crowdmesh::telemetry
