#include "mixer/pending_starts.hpp"

#include <utility>

namespace crowdmesh::mixer {

std::uint64_t PendingStarts::add(StartGroup group, StartReply reply) {
  const auto key = next_key_++;
  waiting_.emplace(key, Waiting{std::move(group), std::move(reply)});
  return key;
}

StartPoll PendingStarts::poll(std::uint64_t key, Mixer& mixer, std::chrono::steady_clock::time_point now) {
  StartPoll p;
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return p;
  if (!it->second.group.due(mixer, now)) {
    p.waiting = true;
    return p;
  }
  p.answer = StartAnswer{it->second.group.start(mixer), std::move(it->second.reply)};
  waiting_.erase(it);
  return p;
}

std::vector<StartAnswer> PendingStarts::cancel_all() {
  std::vector<StartAnswer> answers;
  for (auto& [key, w] : waiting_) answers.push_back(StartAnswer{w.group.cancelled(), std::move(w.reply)});
  waiting_.clear();
  return answers;
}

}  // namespace crowdmesh::mixer
