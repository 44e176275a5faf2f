#include "mesh/telemetry_watch.hpp"

#include <string_view>

namespace crowdmesh::mesh {

void TelemetryWatch::set_subscriptions(const SubscriptionSet& subscriptions) {
  const std::string own = "tele." + node_ + ".";
  const std::string peer_data = peer_data_topic(node_);
  subscriber_ = false;
  for (const auto& [prefix, count] : subscriptions.topics()) {
    if (prefix == peer_data) continue;
    // Receives some of this node's telemetry: a prefix of its topics
    // ("", "tele.", "tele.NODE") or one of them ("tele.NODE.mixer").
    const bool receives = std::string_view(own).substr(0, prefix.size()) == prefix ||
                          std::string_view(prefix).substr(0, own.size()) == own;
    if (receives) subscriber_ = true;
  }
  peer_marker_ = subscriptions.holds(kPeerMarker);
}

bool TelemetryWatch::operator_here(std::int64_t now_ns) const {
  return subscriber_ || (ever_read_ && now_ns - last_read_ns_ <= read_hold_ns_);
}

}  // namespace crowdmesh::mesh
