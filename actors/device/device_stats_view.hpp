#pragma once
#include <memory>
#include <mutex>

#include "device/device_callback.hpp"
#include "device/device_stats.hpp"
#include "device/playout_thread.hpp"

namespace crowdmesh::device {

/// DeviceStats of a callback and, when one drives it, its playout thread:
/// the callback's atomic counters plus the playout loop's figures (both
/// wait-free reads). Any thread. The one composition of DeviceStats, used by
/// the device actor's replies and by DeviceStatsView.
DeviceStats device_stats(const DeviceCallback& cb, const PlayoutThread* playout);

/// A window on a device run's counters that any thread can read without
/// asking the device actor: the telemetry actor samples it every tick instead
/// of sending the (detached) device actor a request, which woke that actor's
/// thread and then its own ten times a second for numbers the callback keeps
/// in atomics anyway.
///
/// Thread contract: attach() from the device actor (once the run's callback
/// and playout thread exist); stats() from any thread. A small mutex guards
/// the two handles only (never taken by the real-time threads). The view
/// shares ownership of both, so reading stays valid after the device actor
/// is gone (the backend is stopped by then; the figures are final).
class DeviceStatsView {
 public:
  /// Device actor: the run's callback and its playout thread (null: none).
  void attach(std::shared_ptr<const DeviceCallback> cb, std::shared_ptr<const PlayoutThread> playout);
  /// Any thread: the figures now; all zero before attach().
  DeviceStats stats() const;

 private:
  mutable std::mutex m_;
  std::shared_ptr<const DeviceCallback> cb_;          // destroyed after playout_ (which refers to it)
  std::shared_ptr<const PlayoutThread> playout_;
};

}  // namespace crowdmesh::device
