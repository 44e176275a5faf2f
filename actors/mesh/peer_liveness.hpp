#pragma once
// Which peers of a gateway are alive, from when each was last heard.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace crowdmesh::mesh {

/// Liveness of a gateway's peers (docs/PROTOCOL.md, "Heartbeats and liveness"): a
/// peer is alive when anything came from it within the alive window
/// (liveness × heartbeat interval). Pure: no sockets, no clock; the gateway
/// passes the times (ns on its clock), tests pass any.
///
/// Thread contract: not thread-safe. The gateway thread changes it; other
/// threads read it under the gateway's state mutex.
class PeerLiveness {
 public:
  /// `peers` peers, none heard yet; `alive_window_ns` > 0.
  PeerLiveness(std::size_t peers, std::int64_t alive_window_ns)
      : window_ns_(alive_window_ns), last_heard_(peers, -1), reported_alive_(peers, false) {}

  /// Something came from peer `index` at `now_ns`. Returns true when this
  /// makes a peer that was reported down (or never heard) alive: say "up" now.
  bool heard(std::size_t index, std::int64_t now_ns);
  /// Peers whose aliveness at `now_ns` differs from what was last reported,
  /// with their new state (true = came up, false = went down), in index
  /// order; each change is reported once.
  std::vector<std::pair<std::size_t, bool>> changes(std::int64_t now_ns);

  /// Alive at `now_ns`: heard within the window.
  bool alive(std::size_t index, std::int64_t now_ns) const {
    return last_heard_[index] >= 0 && now_ns - last_heard_[index] <= window_ns_;
  }
  /// When peer `index` was last heard (ns), -1 if never.
  std::int64_t last_heard_ns(std::size_t index) const { return last_heard_[index]; }
  /// Age of the last sample in ms at `now_ns`, -1 if never heard.
  std::int64_t last_heard_age_ms(std::size_t index, std::int64_t now_ns) const {
    return last_heard_[index] < 0 ? -1 : (now_ns - last_heard_[index]) / 1'000'000;
  }
  /// The sentence for a command to a peer that is not alive, e.g. "node
  /// room-b is not alive (last heard 4.2 s ago)" or "(never heard from it)".
  std::string not_alive_sentence(std::size_t index, const std::string& name, std::int64_t now_ns) const;
  /// The alive window, ns.
  std::int64_t window_ns() const { return window_ns_; }
  /// Number of peers.
  std::size_t size() const { return last_heard_.size(); }

 private:
  std::int64_t window_ns_;
  std::vector<std::int64_t> last_heard_;
  std::vector<bool> reported_alive_;
};

}  // namespace crowdmesh::mesh
