#include "mixer/start_group.hpp"

#include <utility>

#include "common/error.hpp"

namespace crowdmesh::mixer {

StartGroup::StartGroup(const std::vector<std::string>& deck_names, std::int64_t at_ns,
                       std::chrono::steady_clock::time_point deadline)
    : at_ns_(at_ns), deadline_(deadline) {
  for (const auto& name : deck_names) {
    if (auto d = parse_deck(name))
      decks_.push_back(*d);
    else
      unknown_.push_back(name);
  }
}

bool StartGroup::settled(Mixer& mixer) const {
  for (auto d : decks_)
    if (mixer.deck(d).loading() || mixer.reloading(d)) return false;
  return true;
}

bool StartGroup::due(Mixer& mixer, std::chrono::steady_clock::time_point now) const {
  return settled(mixer) || now >= deadline_;
}

StartReport StartGroup::start(Mixer& mixer) const {
  StartReport r;
  for (const auto& u : unknown_) r.not_ready.push_back(u + ": unknown deck (allowed: A, B, C, D)");
  std::vector<DeckId> scheduled;
  for (auto d : decks_) {
    auto res = at_ns_ > 0 ? mixer.can_play(d) : mixer.play(d);
    if (!res) {
      r.not_ready.push_back(to_string(d) + ": " + error_sentence(res.error()));
      continue;
    }
    r.started.push_back(to_string(d));
    if (at_ns_ > 0) scheduled.push_back(d);
  }
  if (!scheduled.empty()) {
    mixer.schedule_start(std::move(scheduled), at_ns_);
    r.scheduled_at_ns = at_ns_;
  }
  return r;
}

StartReport StartGroup::cancelled() const {
  StartReport r;
  for (auto d : decks_) r.not_ready.push_back(to_string(d) + ": cancelled by reset");
  for (const auto& u : unknown_) r.not_ready.push_back(u + ": cancelled by reset");
  return r;
}

}  // namespace crowdmesh::mixer
