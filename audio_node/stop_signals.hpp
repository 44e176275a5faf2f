#pragma once
// SIGINT/SIGTERM as something a thread can wait for, instead of a flag polled
// on a timer.
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace crowdmesh::node {

/// Installs the node's SIGINT and SIGTERM handlers (idempotent). A handler
/// sets the stop flag and writes one byte to a self-pipe (both
/// async-signal-safe, see signal-safety(7)); the pipe is never drained, so
/// once a stop is requested every waiter sees it, now and later.
/// Errors: if the pipe cannot be created the handlers still set the flag and
/// wait_for_stop() falls back to sleeping in slices of 200 ms.
/// Thread contract: call from the main thread before the node runs.
void install_stop_handlers();

/// True once SIGINT or SIGTERM arrived. Any thread.
bool stop_requested() noexcept;

/// Blocks until a stop is requested or `timeout` passed (no wake-up before
/// either). Returns stop_requested(). Any thread.
bool wait_for_stop(std::chrono::milliseconds timeout);

/// A thread that sleeps until a stop is requested, then calls `on_stop` once
/// (on its own thread; e.g. a CAF anon_send to the node's main actor, so the
/// main loop waits for messages only instead of waking five times a second
/// to look at a flag). Destroying it before a stop ends the thread without a
/// call. Requires install_stop_handlers().
class StopForwarder {
 public:
  explicit StopForwarder(std::function<void()> on_stop);
  ~StopForwarder();
  StopForwarder(const StopForwarder&) = delete;
  StopForwarder& operator=(const StopForwarder&) = delete;

 private:
  int quit_[2] = {-1, -1};  // a pipe of our own: the destructor's wake-up
  std::atomic<bool> quitting_{false};
  std::thread thread_;
};

}  // namespace crowdmesh::node
