#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "mixer/mixer.hpp"
#include "mixer/mixer_messages.hpp"
#include "mixer/start_group.hpp"

namespace crowdmesh::mixer {

/// Answers a waiting start request with its report.
using StartReply = std::function<void(StartReport)>;

/// A start request taken out of PendingStarts: call `reply` with `report`
/// (once; after releasing any lock on the mixer).
struct StartAnswer {
  StartReport report;  ///< what started, what did not and why
  StartReply reply;    ///< the request's reply, given to add()
};

/// What PendingStarts::poll() found.
struct StartPoll {
  bool waiting = false;               ///< the group still waits: poll it again later
  std::optional<StartAnswer> answer;  ///< the group was due: started now and taken out
};

/// The "start together" requests waiting for decks still loading, each
/// answered exactly once: when it is due (poll()), or cancelled by a reset
/// (cancel_all()). A key polled after its answer is gone (neither waiting nor
/// answered).
///
/// Pure; the caller polls (there is no timer here), owns the Mixer core it
/// passes (locked when a render thread shares it) and calls the replies. Not
/// thread-safe.
class PendingStarts {
 public:
  /// Keeps `group` waiting with its `reply`. Returns the key to poll it by
  /// (never reused).
  std::uint64_t add(StartGroup group, StartReply reply);
  /// Checks the group `key` at `now`: if due (StartGroup::due), starts it on
  /// `mixer` and takes it out with its report.
  StartPoll poll(std::uint64_t key, Mixer& mixer, std::chrono::steady_clock::time_point now);
  /// Takes out every waiting group with its cancelled report (nothing started).
  std::vector<StartAnswer> cancel_all();
  /// Groups still waiting.
  std::size_t size() const { return waiting_.size(); }

 private:
  struct Waiting {
    StartGroup group;
    StartReply reply;
  };
  std::map<std::uint64_t, Waiting> waiting_;
  std::uint64_t next_key_ = 1;
};

}  // namespace crowdmesh::mixer
