#pragma once
#include <string>

#include "caf/expected.hpp"

namespace crowdmesh::device {

class DeviceCallback;

/// One way of clocking a DeviceCallback: a real device (PortAudio) or the
/// virtual clock thread. The backend owns the RT thread; the callback object
/// owns the rings and counters.
///
/// Thread contract: start(), stop(), description() are called from one
/// control thread (not real-time); start() and stop() may block.
class AudioBackend {
 public:
  virtual ~AudioBackend();

  /// Opens the device and starts calling cb.process() on the backend's RT
  /// thread. `cb` must outlive the running backend and match its config
  /// (channels, rate, period). Errors: errc::device_not_found (no such
  /// device), errc::device_error (open/start failed or already running).
  virtual caf::expected<void> start(DeviceCallback& cb) = 0;

  /// Stops and closes the device; returns after the RT thread's last
  /// process() call has returned. Idempotent; safe when never started.
  virtual void stop() noexcept = 0;

  /// Human description, e.g. "PortAudio JACK Audio Connection Kit 'system'
  /// 48000 Hz 256 frames 2 ch".
  virtual std::string description() const = 0;

  /// True when the pace is set by data arriving (virtual backend, not
  /// realtime) instead of a clock: the device actor should then feed as fast
  /// as it can and call VirtualBackend::finish() at the end.
  virtual bool paced_by_data() const noexcept { return false; }
};

}  // namespace crowdmesh::device
