#include "service_notifier.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace crowdmesh::node {
namespace {

using namespace std::chrono_literals;

// A stand-in for systemd's notify socket: a datagram socket whose messages we read.
class NotifySocket {
 public:
  NotifySocket() {
    path_ = "/tmp/crowdmesh-notify-" + std::to_string(::getpid());
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path_.copy(a.sun_path, sizeof a.sun_path - 1);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  ~NotifySocket() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::vector<std::string> messages() {
    std::vector<std::string> out;
    char buf[512];
    for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) > 0;) out.emplace_back(buf, static_cast<std::size_t>(n));
    return out;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

struct EnvGuard {
  EnvGuard(const std::string& socket, const std::string& watchdog_usec) {
    ::setenv("NOTIFY_SOCKET", socket.c_str(), 1);
    ::setenv("WATCHDOG_USEC", watchdog_usec.c_str(), 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  }
  ~EnvGuard() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
};

TEST(ServiceNotifierTest, WithoutServiceManagerEverythingIsQuiet) {
  ::unsetenv("NOTIFY_SOCKET");
  ServiceNotifier n;
  EXPECT_FALSE(n.active());
  EXPECT_EQ(n.ping_interval().count(), 0);
  n.ready("x");
  n.alive_if_playing(1);
}

TEST(ServiceNotifierTest, ReadyCarriesStatusAndWatchdogPingsOnlyWhileFramesAdvance) {
  NotifySocket sock;
  EnvGuard env(sock.path(), "20000");  // 20 ms watchdog: ping at most every 10 ms
  ServiceNotifier n;
  ASSERT_TRUE(n.active());
  EXPECT_EQ(n.ping_interval(), std::chrono::microseconds(10000));
  n.ready("playing on virtual");
  auto m = sock.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], "READY=1\nSTATUS=playing on virtual");

  n.alive_if_playing(256);
  EXPECT_EQ(sock.messages(), std::vector<std::string>{"WATCHDOG=1"});
  std::this_thread::sleep_for(15ms);
  n.alive_if_playing(256);  // the device did not advance: no ping (systemd will restart a hung node)
  EXPECT_TRUE(sock.messages().empty());
  n.alive_if_playing(512);
  EXPECT_EQ(sock.messages(), std::vector<std::string>{"WATCHDOG=1"});
  n.alive_if_playing(768);  // advanced, but sooner than half the interval: no ping
  EXPECT_TRUE(sock.messages().empty());
  n.stopping();
  EXPECT_EQ(sock.messages(), std::vector<std::string>{"STOPPING=1"});
}

}  // namespace
}  // namespace crowdmesh::node
