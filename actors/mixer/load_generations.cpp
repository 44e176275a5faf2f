#include "mixer/load_generations.hpp"

namespace crowdmesh::mixer {

std::uint64_t LoadGenerations::begin(DeckId deck, std::uint32_t buffer_id) {
  const auto gen = next_++;
  latest_[{index_of(deck), buffer_id}] = gen;
  return gen;
}

bool LoadGenerations::current(DeckId deck, std::uint32_t buffer_id, std::uint64_t generation) const {
  const auto it = latest_.find({index_of(deck), buffer_id});
  return it != latest_.end() && it->second == generation;
}

void LoadGenerations::forget(DeckId deck, std::uint32_t buffer_id) { latest_.erase({index_of(deck), buffer_id}); }

}  // namespace crowdmesh::mixer
