#include "mixer/seek_plan.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/strings.hpp"
#include "mixer/deck_buffer.hpp"

namespace crowdmesh::mixer {

caf::expected<SeekPlan> SeekPlan::make(const Deck& deck, std::optional<std::uint32_t> only, double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return make_error(errc::value_out_of_range,
                      fmt::format("seek position {:g}", seconds) + " s is out of range (allowed: 0 s or more)");
  const auto d = deck.id();
  if (only && deck.buffers().count(*only) == 0) {
    std::vector<std::string> ids;
    for (const auto& kv : deck.buffers()) ids.push_back(std::to_string(kv.first));
    return make_error(errc::unknown_buffer, "deck " + to_string(d) + " has no buffer " + std::to_string(*only) +
                                                " (loaded: " + (ids.empty() ? "none" : join(ids)) + ")");
  }
  std::vector<SeekTarget> targets;
  for (const auto& kv : deck.buffers())
    if (kv.second->reader() && (!only || kv.first == *only)) targets.push_back({kv.first, kv.second->status()});
  if (targets.empty()) return make_error(errc::not_ready, "deck " + to_string(d) + " has no loaded buffer to seek");
  return SeekPlan(std::move(targets));
}

bool SeekPlan::failed(caf::error err) {
  if (!first_error_) first_error_ = std::move(err);
  return --remaining_ == 0;
}

}  // namespace crowdmesh::mixer
