#include "service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>

namespace crowdmesh::node {

ServiceNotifier::ServiceNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  active_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  if (active_ && sd_watchdog_enabled(0, &usec) > 0) ping_interval_ = std::chrono::microseconds(usec / 2);
}

void ServiceNotifier::ready(const std::string& status) {
  if (active_) sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void ServiceNotifier::status(const std::string& status) {
  if (active_) sd_notifyf(0, "STATUS=%s", status.c_str());
}

void ServiceNotifier::alive_if_playing(std::uint64_t frames_played) {
  if (!active_ || ping_interval_.count() == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ping_ < ping_interval_ || frames_played <= last_frames_) return;
  last_frames_ = frames_played;
  last_ping_ = now;
  sd_notify(0, "WATCHDOG=1");
}

void ServiceNotifier::stopping() {
  if (active_) sd_notify(0, "STOPPING=1");
}

}  // namespace crowdmesh::node
