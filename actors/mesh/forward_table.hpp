#pragma once
// The commands a gateway forwarded to peers and still waits for.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace crowdmesh::mesh {

/// One command forwarded to a peer: where its reply goes back to.
struct ForwardEntry {
  std::string routing_id;         ///< the requester's ROUTER identity on this node
  std::string request_source;     ///< the requester's address (the reply's target)
  std::uint64_t original_id = 0;  ///< the requester's correlation id
  std::size_t peer = 0;           ///< index of the peer it was sent to
  std::string reply_source;       ///< source address for an error reply made here
};

/// Forwarded commands by the correlation id this gateway gave them, each with
/// a deadline (ns on the caller's clock: requests differ, e.g. a scheduled
/// command waits for its execute time). Pure: no sockets, no clock; the
/// gateway passes the times, tests pass any. Thread contract: one thread (the
/// gateway's).
class ForwardTable {
 public:
  /// Records `entry` under `id`, due by `deadline_ns`. An `id` already present
  /// is replaced (ids come from one counter and do not repeat).
  void add(std::uint64_t id, ForwardEntry entry, std::int64_t deadline_ns);

  /// The entry that a reply with correlation `id` from peer `peer` answers,
  /// removed from the table; nullopt when none waits for it: it timed out
  /// already (a late reply), or another peer sent it (the entry stays).
  std::optional<ForwardEntry> take_reply(std::uint64_t id, std::size_t peer);

  /// Removes and returns every entry whose deadline is at or before `now_ns`,
  /// earliest deadline first (each becomes a timeout error to its requester).
  std::vector<ForwardEntry> take_expired(std::int64_t now_ns);

  /// The earliest deadline still pending, for the poll timeout; nullopt when
  /// nothing waits.
  std::optional<std::int64_t> next_deadline();

  /// Entries waiting.
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  // Drops deadlines whose entry was answered already (lazy removal).
  void prune_front();

  std::unordered_map<std::uint64_t, ForwardEntry> entries_;
  std::deque<std::pair<std::int64_t, std::uint64_t>> deadlines_;  // sorted by (deadline, id)
};

}  // namespace crowdmesh::mesh
