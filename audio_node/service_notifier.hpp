#pragma once
// Telling a service manager (systemd) how the node is doing.
#include <chrono>
#include <cstdint>
#include <string>

namespace crowdmesh::node {

/// sd_notify(3) messages for a node run as a systemd service
/// (deploy/systemd/audio_node@.service, Type=notify, WatchdogSec=).
/// Outside systemd (no NOTIFY_SOCKET) every call does nothing.
/// Thread contract: one thread (the node's main loop).
class ServiceNotifier {
 public:
  ServiceNotifier();

  /// True when a service manager listens (NOTIFY_SOCKET set).
  bool active() const noexcept { return active_; }

  /// READY=1 with a STATUS line: the device plays and commands are accepted.
  void ready(const std::string& status);

  /// STATUS= line shown by `systemctl status`.
  void status(const std::string& status);

  /// Called by the main loop with the device's played-frame counter. Sends
  /// WATCHDOG=1 at most every half watchdog interval, and only while the
  /// counter advanced since the previous ping: a hung device, mixer or main
  /// loop lets the watchdog fire and systemd restarts the node
  /// (Restart=on-failure).
  void alive_if_playing(std::uint64_t frames_played);

  /// STOPPING=1 before the node shuts down.
  void stopping();

  /// Half the watchdog interval systemd asked for (WATCHDOG_USEC), or 0 when
  /// there is no watchdog.
  std::chrono::microseconds ping_interval() const noexcept { return ping_interval_; }

 private:
  bool active_ = false;
  std::chrono::microseconds ping_interval_{0};
  std::chrono::steady_clock::time_point last_ping_{};
  std::uint64_t last_frames_ = 0;
};

}  // namespace crowdmesh::node
