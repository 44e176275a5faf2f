#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/deck.hpp"
#include "mixer/mixer.hpp"
#include "mixer/mixer_messages.hpp"

namespace crowdmesh::mixer {

/// One "start together" request: decks that start in the same block once each
/// is settled (can play, or cannot load any more) or once the ready timeout
/// ran out, whichever comes first.
///
/// Pure value; its methods act on a Mixer core the caller owns (and has
/// locked when a render thread shares it). Not thread-safe.
class StartGroup {
 public:
  /// `deck_names` as given ("A".."D"; other names are kept for the report as
  /// unknown decks). `at_ns`: mesh time to start at, ns (0 = at once).
  /// `deadline`: when waiting for loading decks stops (steady clock).
  StartGroup(const std::vector<std::string>& deck_names, std::int64_t at_ns,
             std::chrono::steady_clock::time_point deadline);

  /// True when no deck of the group is loading a first buffer or a reload.
  bool settled(Mixer& mixer) const;
  /// True when the group should start at `now`: settled, or the deadline reached.
  bool due(Mixer& mixer, std::chrono::steady_clock::time_point now) const;
  /// Starts every deck that can play (with at_ns > 0: schedules them together
  /// at at_ns, Mixer::schedule_start); the report names the others with the
  /// mixer's reason, and the unknown names.
  StartReport start(Mixer& mixer) const;
  /// The report of a group that a reset answered before it ran: every deck
  /// and unknown name, each "cancelled by reset"; nothing started.
  StartReport cancelled() const;

  /// The decks, in the order given.
  const std::vector<DeckId>& decks() const { return decks_; }

 private:
  std::int64_t at_ns_;
  std::vector<DeckId> decks_;
  std::vector<std::string> unknown_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace crowdmesh::mixer
