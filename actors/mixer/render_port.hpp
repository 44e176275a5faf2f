#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

#include "rt/pi_mutex.hpp"
#include "rt/steady_clock.hpp"

namespace crowdmesh::mixer {

/// How a render thread outside the mixer actor (the device's playout thread)
/// renders the mixer directly, without a CAF round trip: the mixer actor
/// attaches its render function, and both sides serialise on one
/// priority-inheriting mutex — the actor holds it while a command touches the
/// mixer core, the render thread while it renders a block.
///
/// Thread contract: render() from one render thread; attach()/detach()/lock()
/// from the mixer actor. All methods are safe while the other side runs.
class RenderPort {
 public:
  /// Renders `frames` interleaved frames into `out`, whose first frame has
  /// presentation time `pts_ns` (mesh clock, ns); `out` has frames × channels floats.
  using RenderFn = std::function<void(float* out, std::size_t frames, std::int64_t pts_ns)>;

  /// Render thread: renders under the lock. Returns false (and leaves `out`
  /// untouched) when no mixer is attached (not started yet, or gone).
  /// When the mixer actor holds the lock, `lock_wait_ns` (if given) receives
  /// how long render() waited for it (wall time, ns; 0 when the lock was
  /// free): the one wait the render path has besides its own work.
  bool render(float* out, std::size_t frames, std::int64_t pts_ns, std::int64_t* lock_wait_ns = nullptr) {
    std::unique_lock<rt::PiMutex> lk(mutex_, std::try_to_lock);
    std::int64_t waited = 0;
    if (!lk.owns_lock()) {
      const auto t0 = rt::steady_now_ns();
      lk.lock();
      waited = rt::steady_now_ns() - t0;
    }
    if (lock_wait_ns) *lock_wait_ns = waited;
    if (!fn_) return false;
    fn_(out, frames, pts_ns);
    return true;
  }

  /// Mixer actor: the function render() calls from now on.
  void attach(RenderFn fn) {
    std::lock_guard<rt::PiMutex> lk(mutex_);
    fn_ = std::move(fn);
  }
  /// Mixer actor: render() returns false from now on (before its state goes away).
  void detach() {
    std::lock_guard<rt::PiMutex> lk(mutex_);
    fn_ = nullptr;
  }
  /// Mixer actor: hold while touching what render() touches.
  std::unique_lock<rt::PiMutex> lock() { return std::unique_lock<rt::PiMutex>(mutex_); }
  /// True while a render function is attached.
  bool attached() {
    std::lock_guard<rt::PiMutex> lk(mutex_);
    return static_cast<bool>(fn_);
  }

 private:
  rt::PiMutex mutex_;
  RenderFn fn_;
};

}  // namespace crowdmesh::mixer
