#pragma once
#include <pthread.h>

namespace crowdmesh::rt {

/// A recursive mutex with priority inheritance (PTHREAD_PRIO_INHERIT): when
/// the real-time playout thread waits for it, the holder (a normal-priority
/// actor thread applying a command) runs at the waiter's priority until it
/// unlocks, so a busy machine cannot stretch the wait (bounded priority
/// inversion; see pthread_mutexattr_setprotocol(3)). Recursive so that a
/// holder may call helpers that lock it again. Satisfies Lockable
/// (std::lock_guard, std::unique_lock).
///
/// Thread contract: any thread; never used by the audio callback itself.
class PiMutex {
 public:
  PiMutex() noexcept {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&m_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~PiMutex() { pthread_mutex_destroy(&m_); }
  PiMutex(const PiMutex&) = delete;
  PiMutex& operator=(const PiMutex&) = delete;

  void lock() noexcept { pthread_mutex_lock(&m_); }
  bool try_lock() noexcept { return pthread_mutex_trylock(&m_) == 0; }
  void unlock() noexcept { pthread_mutex_unlock(&m_); }

 private:
  pthread_mutex_t m_;
};

}  // namespace crowdmesh::rt
