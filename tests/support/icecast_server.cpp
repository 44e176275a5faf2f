#include "icecast_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "audio_files.hpp"
#include "child_process.hpp"

namespace crowdmesh::test {

using namespace std::chrono_literals;

namespace {

const char* kIcecast = "/usr/bin/icecast2";

int connect_loopback(int port, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      ::close(fd);
      return -1;
    }
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

}  // namespace

IcecastServer::~IcecastServer() {
  stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

int IcecastServer::free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string IcecastServer::start(int port) {
  stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  if (access(kIcecast, X_OK) != 0) return std::string(kIcecast) + " is not installed (Debian package icecast2)";
  port_ = port > 0 ? port : free_port();
  if (port_ <= 0) return "no free TCP port on 127.0.0.1";
  dir_ = make_temp_dir("crowdmesh-icecast");
  const std::string log_dir = dir_ + "/log";
  ::mkdir(log_dir.c_str(), 0777);
  const bool root = geteuid() == 0;
  if (root) {
    // Icecast drops to nobody: it must still write its logs and pid file here.
    ::chmod(dir_.c_str(), 0777);
    ::chmod(log_dir.c_str(), 0777);
  }
  const std::string config = dir_ + "/icecast.xml";
  {
    std::ofstream out(config);
    out << "<icecast>\n"
           "  <location>Crowdmesh test</location>\n"
           "  <admin>test@localhost</admin>\n"
           "  <hostname>127.0.0.1</hostname>\n"
           "  <limits>\n"
           "    <clients>50</clients>\n"
           "    <sources>8</sources>\n"
           "    <queue-size>524288</queue-size>\n"
           "    <client-timeout>30</client-timeout>\n"
           "    <header-timeout>15</header-timeout>\n"
           "    <source-timeout>10</source-timeout>\n"
           "    <burst-on-connect>1</burst-on-connect>\n"
           "    <burst-size>65535</burst-size>\n"
           "  </limits>\n"
           "  <authentication>\n"
           "    <source-password>"
        << kSourcePassword
        << "</source-password>\n"
           "    <relay-password>"
        << kSourcePassword
        << "</relay-password>\n"
           "    <admin-user>admin</admin-user>\n"
           "    <admin-password>"
        << kAdminPassword
        << "</admin-password>\n"
           "  </authentication>\n"
           "  <listen-socket>\n"
           "    <port>"
        << port_
        << "</port>\n"
           "    <bind-address>127.0.0.1</bind-address>\n"
           "  </listen-socket>\n"
           "  <fileserve>1</fileserve>\n"
           "  <paths>\n"
           "    <basedir>"
        << dir_
        << "</basedir>\n"
           "    <logdir>"
        << log_dir
        << "</logdir>\n"
           "    <pidfile>"
        << dir_
        << "/icecast.pid</pidfile>\n"
           "    <webroot>/usr/share/icecast2/web</webroot>\n"
           "    <adminroot>/usr/share/icecast2/admin</adminroot>\n"
           "  </paths>\n"
           "  <logging>\n"
           "    <accesslog>access.log</accesslog>\n"
           "    <errorlog>error.log</errorlog>\n"
           "    <loglevel>4</loglevel>\n"
           "    <logsize>10000</logsize>\n"
           "  </logging>\n"
           "  <security>\n"
           "    <chroot>0</chroot>\n";
    if (root)
      out << "    <changeowner>\n"
             "      <user>nobody</user>\n"
             "      <group>nogroup</group>\n"
             "    </changeowner>\n";
    out << "  </security>\n"
           "</icecast>\n";
  }
  pid_ = spawn_process({kIcecast, "-c", config}, dir_ + "/stdout.txt", dir_ + "/stderr.txt");
  if (pid_ <= 0) {
    pid_ = -1;
    return "cannot start " + std::string(kIcecast);
  }
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream err(dir_ + "/stderr.txt");
      std::stringstream ss;
      ss << err.rdbuf();
      return "icecast2 exited early (status " + std::to_string(status) + "): " + ss.str();
    }
    const int fd = connect_loopback(port_, 200ms);
    if (fd >= 0) {
      ::close(fd);
      return {};
    }
    std::this_thread::sleep_for(50ms);
  }
  stop();
  return "icecast2 did not accept connections on 127.0.0.1:" + std::to_string(port_) + " within 15 s";
}

void IcecastServer::stop() {
  if (pid_ <= 0) return;
  terminate_process(pid_, 5s);
  pid_ = -1;
}

std::string IcecastServer::error_log() const {
  std::ifstream in(dir_ + "/log/error.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string IcecastServer::http_get(int port, const std::string& path, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const int fd = connect_loopback(port, timeout);
  if (fd < 0) return {};
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: crowdmesh-test\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return {};
  }
  std::string response;
  char buf[4096];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) != 1) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto header_end = response.find("\r\n\r\n");
  const auto line_end = response.find("\r\n");
  if (header_end == std::string::npos || response.substr(0, line_end).find(" 200") == std::string::npos) return {};
  return response.substr(header_end + 4);
}

}  // namespace crowdmesh::test
