#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mesh/mesh_client.hpp"

namespace crowdmesh::control {

/// Round trips to one node through the node control_node talks to (which
/// forwards them over its link to that node).
struct LinkCheck {
  int sent = 0;
  int answered = 0;       ///< replies in time
  double rtt_p50_ms = 0;  ///< of the answered probes
  double rtt_p99_ms = 0;
  double rtt_max_ms = 0;
  double loss_fraction() const { return sent > 0 ? 1.0 - static_cast<double>(answered) / sent : 0.0; }
};

/// RTT above which a link is called slow in the findings, ms (a 256-frame
/// period at 48 kHz is 5.3 ms).
constexpr double kSlowLinkP99Ms = 5.0;

/// Sends `probes` GetNodes probes one after the other (make_probe(k) builds
/// the k-th, with its own correlation id), each waiting up to `timeout`.
LinkCheck check_link(mesh::MeshClient& client, const std::function<crowdmesh::v1::Envelope(std::uint64_t)>& make_probe,
                     int probes, std::chrono::milliseconds timeout);

/// {"node", "alive": true, "probes", "answered", "loss_percent", "rtt_ms": {p50, p99, max}}.
nlohmann::json to_json(const std::string& node, const LinkCheck& c);

/// Plain sentences: loss ("lost 3 of 100 probes (3 %)"), slow p99, or healthy.
std::vector<std::string> link_findings(const std::string& node, const LinkCheck& c);

/// One line for humans from to_json()'s object.
std::string format_link(const nlohmann::json& link);

}  // namespace crowdmesh::control
