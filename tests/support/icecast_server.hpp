#pragma once
#include <sys/types.h>

#include <chrono>
#include <string>

namespace crowdmesh::test {

/// A private Icecast 2 server for tests: `/usr/bin/icecast2 -c CONFIG` bound to
/// 127.0.0.1 on its own port, with its config, logs and pid file in a fresh
/// temporary folder. As root (Icecast refuses to run as root) it changes owner
/// to nobody:nogroup; the folder is then made writable for everyone.
class IcecastServer {
 public:
  static constexpr const char* kSourcePassword = "crowdmesh-src";
  static constexpr const char* kAdminPassword = "crowdmesh-admin";

  IcecastServer() = default;
  IcecastServer(const IcecastServer&) = delete;
  IcecastServer& operator=(const IcecastServer&) = delete;
  /// Stops the server if running and removes its folder.
  ~IcecastServer();

  /// A TCP port on 127.0.0.1 that nothing listens on right now (bound to
  /// port 0 and released).
  static int free_port();

  /// Starts the server (a previous run's folder is removed) on `port` (0 = a free one) and waits (≤ 15 s) until
  /// the port accepts connections. Empty string on success, else the reason.
  std::string start(int port = 0);
  /// SIGTERM, then SIGKILL after 5 s; idempotent.
  void stop();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  /// Contents of Icecast's error log (empty when unreadable).
  std::string error_log() const;

  /// A blocking HTTP/1.0 GET of `path` on 127.0.0.1:port; the response body,
  /// or an empty string on any failure (no answer within `timeout`, not 200).
  static std::string http_get(int port, const std::string& path,
                              std::chrono::milliseconds timeout = std::chrono::seconds(3));

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace crowdmesh::test
