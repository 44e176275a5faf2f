#include "mesh/forward_table.hpp"

#include <algorithm>

namespace crowdmesh::mesh {

void ForwardTable::add(std::uint64_t id, ForwardEntry entry, std::int64_t deadline_ns) {
  entries_[id] = std::move(entry);
  const std::pair<std::int64_t, std::uint64_t> d{deadline_ns, id};
  deadlines_.insert(std::upper_bound(deadlines_.begin(), deadlines_.end(), d), d);
}

std::optional<ForwardEntry> ForwardTable::take_reply(std::uint64_t id, std::size_t peer) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.peer != peer) return std::nullopt;
  ForwardEntry e = std::move(it->second);
  entries_.erase(it);
  return e;
}

std::vector<ForwardEntry> ForwardTable::take_expired(std::int64_t now_ns) {
  std::vector<ForwardEntry> out;
  while (!deadlines_.empty() && deadlines_.front().first <= now_ns) {
    const std::uint64_t id = deadlines_.front().second;
    deadlines_.pop_front();
    auto it = entries_.find(id);
    if (it == entries_.end()) continue;  // answered in time
    out.push_back(std::move(it->second));
    entries_.erase(it);
  }
  return out;
}

void ForwardTable::prune_front() {
  while (!deadlines_.empty() && entries_.find(deadlines_.front().second) == entries_.end()) deadlines_.pop_front();
}

std::optional<std::int64_t> ForwardTable::next_deadline() {
  prune_front();
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.front().first;
}

}  // namespace crowdmesh::mesh
