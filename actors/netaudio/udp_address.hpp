#pragma once
#include <cstdint>
#include <string>

#include <netinet/in.h>

#include "caf/expected.hpp"

namespace crowdmesh::netaudio {

/// An IPv4 UDP endpoint (host and port): what a socket binds to, sends to or
/// received from. Remote playout speaks IPv4 only. A plain value (trivially
/// copyable), so it can travel through an rt::SpscQueue.
struct UdpAddress {
  sockaddr_in addr{};  ///< AF_INET; address and port in network byte order

  /// The address of `host` (host byte order, e.g. INADDR_LOOPBACK) and `port`.
  static UdpAddress from_host(std::uint32_t host, std::uint16_t port) noexcept;

  /// The IPv4 address in host byte order (127.0.0.1 = 0x7F000001).
  std::uint32_t host() const noexcept { return ntohl(addr.sin_addr.s_addr); }
  /// The port in host byte order; 0 = none (ephemeral when binding).
  std::uint16_t port() const noexcept { return ntohs(addr.sin_port); }

  /// True for a multicast group address (224.0.0.0/4, RFC 5771).
  bool is_multicast() const noexcept;
  /// True when `other` has the same IPv4 address, whatever the ports.
  bool same_host(const UdpAddress& other) const noexcept;

  /// Same address and same port.
  friend bool operator==(const UdpAddress& a, const UdpAddress& b) noexcept {
    return a.addr.sin_addr.s_addr == b.addr.sin_addr.s_addr && a.addr.sin_port == b.addr.sin_port;
  }
  friend bool operator!=(const UdpAddress& a, const UdpAddress& b) noexcept { return !(a == b); }
};

/// Parses "host:port" or "host" (then the port is `default_port`). The host
/// is a dotted IPv4 address or a name resolved with getaddrinfo(3) to its
/// first IPv4 address (this may block on DNS: not for a real-time thread).
/// An explicit port must be 1..65535.
/// Errors: errc::value_out_of_range naming the text for an empty host, a
/// port that is not a number or out of range, or an IPv6 address (written
/// "[…]:port" or with several colons, or a name with IPv6 addresses only);
/// errc::io_error naming the host and getaddrinfo's reason when a name does
/// not resolve. Thread-safe.
caf::expected<UdpAddress> parse_udp_address(const std::string& text, std::uint16_t default_port = 0);

/// "a.b.c.d:port", e.g. "127.0.0.1:5004". Thread-safe.
std::string to_string(const UdpAddress& a);

}  // namespace crowdmesh::netaudio
