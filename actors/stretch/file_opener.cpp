#include "stretch/file_opener.hpp"

#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/error.hpp"

namespace crowdmesh::stretch {

struct FileOpener::State {
  struct Entry {
    std::string what;
    bool running = true;
    bool abandoned = false;
    std::optional<Result> result;
  };
  mutable std::mutex mutex;
  std::map<std::uint64_t, Entry> jobs;  // ordered: the first running one is the oldest
  std::uint64_t next_id = 1;
  std::size_t running = 0;
  std::uint64_t abandoned = 0;
};

FileOpener::FileOpener(std::size_t max_in_flight)
    : state_(std::make_shared<State>()), max_in_flight_(max_in_flight == 0 ? 1 : max_in_flight) {}

FileOpener::~FileOpener() {
  // Jobs still running drop their results and tell nobody; finished results
  // are destroyed here.
  std::map<std::uint64_t, State::Entry> done;
  std::lock_guard<std::mutex> lk(state_->mutex);
  for (auto it = state_->jobs.begin(); it != state_->jobs.end();) {
    if (it->second.running) {
      it->second.abandoned = true;
      ++it;
    } else {
      done.insert(state_->jobs.extract(it++));
    }
  }
}

caf::expected<std::uint64_t> FileOpener::start(std::string what, Job job, std::function<void(std::uint64_t)> notify) {
  std::uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lk(state_->mutex);
    if (state_->running >= max_in_flight_) {
      std::string oldest;
      for (const auto& [jid, e] : state_->jobs)
        if (e.running) {
          oldest = e.what;
          break;
        }
      return make_error(errc::not_ready, std::to_string(state_->running) +
                                             " files are still opening (the oldest: " + oldest +
                                             "; a hung network share?): try again later");
    }
    id = state_->next_id++;
    state_->jobs.emplace(id, State::Entry{what, true, false, std::nullopt});
    ++state_->running;
  }
  auto state = state_;
  try {
    std::thread([state, id, job = std::move(job), notify = std::move(notify)] {
      Result r = job();
      bool tell = false;
      {
        std::lock_guard<std::mutex> lk(state->mutex);
        --state->running;
        auto it = state->jobs.find(id);
        if (it != state->jobs.end()) {
          if (it->second.abandoned) {
            state->jobs.erase(it);  // r is destroyed below, here on this thread
          } else {
            it->second.running = false;
            it->second.result = std::move(r);
            tell = true;
          }
        }
      }
      if (tell && notify) notify(id);
    }).detach();
  } catch (const std::system_error& e) {
    std::lock_guard<std::mutex> lk(state_->mutex);
    state_->jobs.erase(id);
    --state_->running;
    return make_error(errc::internal, "cannot start a thread to open " + what + ": " + e.what());
  }
  return id;
}

std::optional<FileOpener::Result> FileOpener::take(std::uint64_t id) {
  std::optional<Result> out;
  std::lock_guard<std::mutex> lk(state_->mutex);
  auto it = state_->jobs.find(id);
  if (it == state_->jobs.end() || it->second.running || it->second.abandoned) return out;
  out = std::move(it->second.result);
  state_->jobs.erase(it);
  return out;
}

bool FileOpener::abandon(std::uint64_t id) {
  std::optional<Result> drop;  // destroyed after the lock is released
  std::lock_guard<std::mutex> lk(state_->mutex);
  auto it = state_->jobs.find(id);
  if (it == state_->jobs.end()) return false;
  if (!it->second.running) {
    drop = std::move(it->second.result);
    state_->jobs.erase(it);
    return false;
  }
  it->second.abandoned = true;
  ++state_->abandoned;
  return true;
}

std::size_t FileOpener::in_flight() const {
  std::lock_guard<std::mutex> lk(state_->mutex);
  return state_->running;
}

std::uint64_t FileOpener::abandoned() const {
  std::lock_guard<std::mutex> lk(state_->mutex);
  return state_->abandoned;
}

}  // namespace crowdmesh::stretch
