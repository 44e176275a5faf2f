#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "caf/expected.hpp"
#include "stretch/file_source.hpp"

namespace crowdmesh::stretch {

/// Opens audio files on threads of their own, so that an open that blocks (a
/// hung network share, a slow disk spinning up) never stalls the thread that
/// keeps the decks' FIFOs filled, and so that a caller can give up on it.
///
/// Each start() runs its job on a new thread (opens are rare operator
/// actions; a thread per open is what lets a hung one be left behind). When
/// the job returns, its result is stored and `notify(id)` is called on that
/// thread; the owner then take()s it. abandon() gives up on a job still
/// running: its result is destroyed on its own thread when it ends. At most
/// `max_in_flight` jobs run at once, abandoned ones included, so a share that
/// hangs every open cannot pile up threads.
///
/// Thread contract: start(), take(), abandon() and the counters are called
/// from one owner thread (the stretch actor) but are safe from any; jobs and
/// notify run on the job threads. The destructor does not wait for jobs: they
/// hold the shared state, drop their results and notify nobody; a hung one is
/// left to the kernel.
class FileOpener {
 public:
  using Result = caf::expected<std::unique_ptr<FileSource>>;
  using Job = std::function<Result()>;

  /// `max_in_flight` ≥ 1 jobs at once.
  explicit FileOpener(std::size_t max_in_flight = 4);
  ~FileOpener();
  FileOpener(const FileOpener&) = delete;
  FileOpener& operator=(const FileOpener&) = delete;

  /// Runs `job` (which opens `what`, a path for messages) on a new thread and
  /// calls `notify(id)` there when it is done. Returns the id (≥ 1). Errors:
  /// errc::not_ready when max_in_flight jobs are still running (the sentence
  /// names how many and the path of the oldest, the likely hung one);
  /// errc::internal when no thread can be started.
  caf::expected<std::uint64_t> start(std::string what, Job job, std::function<void(std::uint64_t)> notify);

  /// The result of finished job `id`, once (nullopt: still running, unknown or
  /// already taken).
  std::optional<Result> take(std::uint64_t id);

  /// Gives up on job `id`: true if it was still running (its thread goes on
  /// and drops the result), false if it had finished (its result is dropped
  /// now) or is unknown.
  bool abandon(std::uint64_t id);

  /// Jobs running now, abandoned ones included.
  std::size_t in_flight() const;
  /// Jobs abandoned while running, since construction.
  std::uint64_t abandoned() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::size_t max_in_flight_;
};

}  // namespace crowdmesh::stretch
