#pragma once
#include <cstdint>
#include <map>
#include <utility>

#include "common/deck.hpp"

namespace crowdmesh::mixer {

/// Which load of each deck buffer is the latest. A load (or reload) of a
/// buffer supersedes every earlier load of it that is still pending: when the
/// earlier one completes or fails, it is stale and must change nothing
/// (its requester hears "replaced by a newer load"). Unloading a buffer makes
/// its pending loads stale too.
///
/// Pure bookkeeping; owned by the mixer actor. Not thread-safe.
class LoadGenerations {
 public:
  /// A load of `buffer_id` on `deck` begins. Returns its generation (> 0,
  /// increasing across every buffer), which is now the buffer's latest.
  std::uint64_t begin(DeckId deck, std::uint32_t buffer_id);
  /// True while `generation` is the latest load of the buffer: its outcome
  /// applies. False once a newer load began or the buffer was forgotten.
  bool current(DeckId deck, std::uint32_t buffer_id, std::uint64_t generation) const;
  /// The buffer was unloaded: its pending loads are stale.
  void forget(DeckId deck, std::uint32_t buffer_id);
  /// Every buffer was unloaded: every pending load is stale.
  void clear() { latest_.clear(); }

 private:
  std::map<std::pair<int, std::uint32_t>, std::uint64_t> latest_;
  std::uint64_t next_ = 1;
};

}  // namespace crowdmesh::mixer
