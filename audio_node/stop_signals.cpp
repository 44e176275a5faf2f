#include "stop_signals.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

namespace crowdmesh::node {

namespace {

std::atomic<bool> g_stop{false};
int g_pipe[2] = {-1, -1};  // [0]: waiters poll it; [1]: the handler writes

extern "C" void on_stop_signal(int) {
  g_stop.store(true);
  if (g_pipe[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] auto n = ::write(g_pipe[1], &byte, 1);  // async-signal-safe; a full pipe is fine
  }
}

// Polls `fds` (the stop pipe first) until one is readable or `timeout_ms`
// passed (-1: no limit); retries on EINTR (the signal itself interrupts the
// poll) and on a poll that returned before the deadline (poll counts whole
// milliseconds).
void wait_readable(pollfd* fds, nfds_t n, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int left = timeout_ms;
    if (timeout_ms >= 0) {
      const auto rest = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (rest.count() <= 0) return;
      left = static_cast<int>(rest.count());
    }
    const int r = ::poll(fds, n, left);
    if (r > 0 || g_stop.load()) return;
    if (r < 0 && errno != EINTR) return;
  }
}

}  // namespace

void install_stop_handlers() {
  if (g_pipe[0] < 0 && ::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_pipe[0] = g_pipe[1] = -1;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

bool stop_requested() noexcept { return g_stop.load(); }

bool wait_for_stop(std::chrono::milliseconds timeout) {
  if (g_stop.load()) return true;
  if (g_pipe[0] < 0) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!g_stop.load() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(200), deadline - std::chrono::steady_clock::now()));
    return g_stop.load();
  }
  pollfd fd{g_pipe[0], POLLIN, 0};
  wait_readable(&fd, 1, static_cast<int>(std::min<long long>(timeout.count(), 0x7fffffff)));
  return g_stop.load();
}

StopForwarder::StopForwarder(std::function<void()> on_stop) {
  if (::pipe2(quit_, O_CLOEXEC) != 0) quit_[0] = quit_[1] = -1;
  thread_ = std::thread([this, on_stop = std::move(on_stop)] {
    pthread_setname_np(pthread_self(), "cm.signals");  // ps/top/perf show it by name
    if (g_pipe[0] < 0 || quit_[0] < 0) {
      // No pipe: look at the flags five times a second instead.
      while (!quitting_.load() && !wait_for_stop(std::chrono::milliseconds(200))) {
      }
      if (!quitting_.load()) on_stop();
      return;
    }
    pollfd fds[2] = {{g_pipe[0], POLLIN, 0}, {quit_[0], POLLIN, 0}};
    while (!g_stop.load()) {
      wait_readable(fds, 2, -1);
      if (fds[1].revents != 0) return;  // destroyed before any stop
    }
    on_stop();
  });
}

StopForwarder::~StopForwarder() {
  quitting_.store(true);
  if (quit_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] auto n = ::write(quit_[1], &byte, 1);
  }
  if (thread_.joinable()) thread_.join();
  for (int fd : quit_)
    if (fd >= 0) ::close(fd);
}

}  // namespace crowdmesh::node
