#include "control_node/link_check.hpp"

#include <algorithm>
#include <cstdio>

namespace crowdmesh::control {

LinkCheck check_link(mesh::MeshClient& client, const std::function<crowdmesh::v1::Envelope(std::uint64_t)>& make_probe,
                     int probes, std::chrono::milliseconds timeout) {
  LinkCheck c;
  std::vector<double> rtt;
  for (int k = 0; k < probes; ++k) {
    ++c.sent;
    const auto t0 = std::chrono::steady_clock::now();
    auto reply = client.request(make_probe(static_cast<std::uint64_t>(k)), timeout);
    if (!reply || !reply->has_reply() || !reply->reply().has_ok()) continue;
    ++c.answered;
    rtt.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  if (!rtt.empty()) {
    std::sort(rtt.begin(), rtt.end());
    auto at = [&](double q) {  // nearest rank
      const auto i = static_cast<std::size_t>(std::max(0.0, std::ceil(q * rtt.size()) - 1));
      return rtt[std::min(i, rtt.size() - 1)];
    };
    c.rtt_p50_ms = at(0.50);
    c.rtt_p99_ms = at(0.99);
    c.rtt_max_ms = rtt.back();
  }
  return c;
}

nlohmann::json to_json(const std::string& node, const LinkCheck& c) {
  return {{"node", node},
          {"alive", true},
          {"probes", c.sent},
          {"answered", c.answered},
          {"loss_percent", c.loss_fraction() * 100.0},
          {"rtt_ms", {{"p50", c.rtt_p50_ms}, {"p99", c.rtt_p99_ms}, {"max", c.rtt_max_ms}}}};
}

std::vector<std::string> link_findings(const std::string& node, const LinkCheck& c) {
  std::vector<std::string> out;
  char buf[256];
  if (c.answered == 0) {
    std::snprintf(buf, sizeof buf, "Link to %s: none of %d probes was answered: the node is unreachable.", node.c_str(),
                  c.sent);
    out.emplace_back(buf);
    return out;
  }
  if (c.answered < c.sent) {
    std::snprintf(buf, sizeof buf,
                  "Link to %s lost %d of %d probes (%.0f %%): check the network (Wi-Fi, cables, switch).", node.c_str(),
                  c.sent - c.answered, c.sent, c.loss_fraction() * 100.0);
    out.emplace_back(buf);
  }
  if (c.rtt_p99_ms > kSlowLinkP99Ms) {
    std::snprintf(
        buf, sizeof buf,
        "Link to %s is slow: p99 round trip %.1f ms (over %.0f ms); scheduled starts need a larger lead time.",
        node.c_str(), c.rtt_p99_ms, kSlowLinkP99Ms);
    out.emplace_back(buf);
  }
  if (out.empty()) {
    std::snprintf(buf, sizeof buf, "Link to %s is healthy: %d/%d answered, p99 round trip %.2f ms.", node.c_str(),
                  c.answered, c.sent, c.rtt_p99_ms);
    out.emplace_back(buf);
  }
  return out;
}

std::string format_link(const nlohmann::json& l) {
  char buf[256];
  if (!l.value("alive", false)) {
    std::snprintf(buf, sizeof buf, "%-16s not alive", l.value("node", std::string{}).c_str());
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%-16s %d/%d answered (loss %.0f %%), RTT p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                l.value("node", std::string{}).c_str(), l.value("answered", 0), l.value("probes", 0),
                l.value("loss_percent", 0.0), l["rtt_ms"].value("p50", 0.0), l["rtt_ms"].value("p99", 0.0),
                l["rtt_ms"].value("max", 0.0));
  return buf;
}

}  // namespace crowdmesh::control
