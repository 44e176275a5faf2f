#pragma once
#include <cstdint>

namespace crowdmesh::rt {

/// CLOCK_MONOTONIC in ns (std::chrono::steady_clock on Linux): the one
/// implementation of the process-local interval clock (common/local_clock.hpp's
/// crowdmesh::steady_now_ns() forwards here; the real-time library cannot
/// depend on common). Thread-safe, wait-free, no allocation: callable from the
/// audio callback.
std::int64_t steady_now_ns() noexcept;

/// CPU time the calling thread has consumed, ns (CLOCK_THREAD_CPUTIME_ID):
/// unlike steady_now_ns() it does not advance while the thread is preempted,
/// blocked on a lock or the host stalls the VM, so the difference of two
/// readings is the thread's own work. One system call (no vDSO path on Linux),
/// no allocation, no lock: callable from the playout thread; 0 if the clock
/// is unavailable.
std::int64_t thread_cpu_now_ns() noexcept;

}  // namespace crowdmesh::rt
