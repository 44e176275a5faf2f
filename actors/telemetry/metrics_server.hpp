#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "caf/expected.hpp"

struct MHD_Daemon;

namespace crowdmesh::telemetry {

/// The `/metrics` HTTP endpoint of a node (`audio_node --metrics-port PORT`),
/// served by libmicrohttpd on its own polling thread:
///  - `GET /metrics` → 200, `text/plain; version=0.0.4; charset=utf-8`, the
///    text returned by `render()` (Prometheus text exposition 0.0.4);
///  - `GET /` → 200, a short text page pointing to /metrics;
///  - any other path → 404; a method other than GET or HEAD → 405 (with `Allow`);
///  - `render()` throwing → 500.
///
/// Thread contract: `render()` is called on libmicrohttpd's thread, once per
/// scrape, and must be thread-safe (e.g. render a snapshot under a mutex that
/// the telemetry actor updates). It is never called after the destructor
/// returned. port()/address() from any thread.
class MetricsServer {
 public:
  /// Text of `GET /metrics` responses' Content-Type header.
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

  /// Listens on `bind_address` (numeric IPv4 such as "127.0.0.1" or "0.0.0.0",
  /// numeric IPv6 such as "::1", or "localhost" = 127.0.0.1) and `port`
  /// (0 = an ephemeral port; see port()) and starts serving.
  /// Errors: errc::value_out_of_range "cannot serve metrics on nowhere:9100: the
  /// address is not a numeric IPv4 or IPv6 address" (or "...: no render function
  /// given" for an empty `render`);
  /// errc::io_error "cannot serve metrics on 127.0.0.1:9100: Address already in use"
  /// (the socket's errno text), or when libmicrohttpd cannot start.
  static caf::expected<std::unique_ptr<MetricsServer>> start(const std::string& bind_address, std::uint16_t port,
                                                             std::function<std::string()> render);
  /// Stops the daemon: joins its thread (waiting for a render() under way) and
  /// closes the listening socket.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  /// The bound TCP port (the chosen one when start() was given 0).
  std::uint16_t port() const noexcept { return port_; }
  /// The address as given to start() (e.g. "127.0.0.1").
  const std::string& address() const noexcept { return address_; }

 private:
  MetricsServer(std::string address, std::function<std::string()> render);
  std::string address_;
  std::uint16_t port_ = 0;
  std::function<std::string()> render_;
  MHD_Daemon* daemon_ = nullptr;

  friend struct MetricsServerAccess;
};

}  // namespace crowdmesh::telemetry
