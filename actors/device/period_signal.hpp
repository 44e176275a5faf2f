#pragma once
#include <chrono>

#include <semaphore.h>

namespace crowdmesh::device {

/// Wakes the playout thread once per device period. post() is called from the
/// audio callback: sem_post(3) is async-signal-safe, never blocks and never
/// allocates (one futex wake when a waiter sleeps), so it keeps the callback
/// wait-free in the sense of ARCHITECTURE.md. Model: JACK's and PipeWire's
/// callback → worker thread wake-ups.
///
/// Thread contract: post() from the RT thread; wait_for() from one waiting thread.
class PeriodSignal {
 public:
  PeriodSignal() noexcept { ::sem_init(&sem_, 0, 0); }
  ~PeriodSignal() { ::sem_destroy(&sem_); }
  PeriodSignal(const PeriodSignal&) = delete;
  PeriodSignal& operator=(const PeriodSignal&) = delete;

  /// RT thread: one more period happened.
  void post() noexcept { ::sem_post(&sem_); }

  /// Waits for a post or the timeout; true when posted. Several posts that
  /// happened meanwhile are collapsed into one wake-up.
  bool wait_for(std::chrono::nanoseconds timeout) noexcept;

 private:
  sem_t sem_;
};

}  // namespace crowdmesh::device
