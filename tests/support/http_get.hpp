#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace crowdmesh::test {

/// An HTTP response as read off the socket.
struct HttpResponse {
  int status = 0;       ///< e.g. 200
  std::string headers;  ///< raw header lines after the status line, CRLF-separated
  std::string body;     ///< de-chunked when the response was chunked
  /// Value of header `name` (case-insensitive), or empty.
  std::string header(const std::string& name) const;
};

/// Sends `METHOD target HTTP/1.0` (Host, Connection: close) over a plain TCP
/// socket to host:port (numeric IPv4) and reads the response until the server
/// closes. nullopt on connect/read failure or when `timeout` passes.
std::optional<HttpResponse> http_request(const std::string& host, std::uint16_t port, const std::string& method,
                                         const std::string& target,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// http_request(host, port, "GET", target, timeout).
std::optional<HttpResponse> http_get(const std::string& host, std::uint16_t port, const std::string& target,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read, closed).
std::uint16_t free_tcp_port();

/// A TCP port on 127.0.0.1 below the kernel's ephemeral range
/// (/proc/sys/net/ipv4/ip_local_port_range) that was free a moment ago,
/// searched from a start that `seed` spreads over 20000 up to that range.
/// For a port that clients connect to before its server binds it: a client
/// retrying a port inside the ephemeral range can be given that very port
/// as its own local port and connect to itself, which then holds it, so the
/// server's bind fails. 0 when none is free.
std::uint16_t free_tcp_port_below_ephemeral(unsigned seed);

}  // namespace crowdmesh::test
