#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

#include <semaphore.h>

namespace crowdmesh::rt {

/// Wakes a worker thread from a real-time thread: the device callback wakes the
/// playout thread once per period, the render thread wakes the tap relay once
/// per block. post() is called from the real-time side: sem_post(3) is async-signal-safe, never blocks and never
/// allocates (one futex wake when a waiter sleeps), so it keeps the callback
/// wait-free in the sense of docs/ARCHITECTURE.md. Model: JACK's and PipeWire's
/// callback → worker thread wake-ups.
///
/// Thread contract: post() from the RT thread; wait_for() from one waiting thread.
class WakeSignal {
 public:
  WakeSignal() noexcept { ::sem_init(&sem_, 0, 0); }
  ~WakeSignal() { ::sem_destroy(&sem_); }
  WakeSignal(const WakeSignal&) = delete;
  WakeSignal& operator=(const WakeSignal&) = delete;

  /// RT thread: one more event (a period, a block) happened. Also notes
  /// when the first post not yet consumed happened (CLOCK_MONOTONIC, read
  /// through the vDSO: no system call, no allocation), so the waiter can
  /// tell how late it woke.
  void post() noexcept;

  /// Waits for a post or the timeout; true when posted. Several posts that
  /// happened meanwhile are collapsed into one wake-up.
  bool wait_for(std::chrono::nanoseconds timeout) noexcept;

  /// Waiter: how long ago (ns, CLOCK_MONOTONIC) the oldest post this
  /// wake-up consumed happened, i.e. how late the waiting thread ran after
  /// the event: the host's scheduling latency plus any time the posts
  /// piled up. 0 when nothing was posted since the last call. Resets.
  std::int64_t take_wake_latency_ns() noexcept;

 private:
  sem_t sem_;
  std::atomic<std::int64_t> pending_since_ns_{0};  // first unconsumed post; 0 = none
};

}  // namespace crowdmesh::rt
