#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "caf/expected.hpp"
#include "netaudio/udp_address.hpp"

namespace crowdmesh::netaudio {

/// How to open a UdpSocket.
struct UdpSocketConfig {
  std::string bind_host = "0.0.0.0";  ///< local IPv4 address (or name) to bind; 0.0.0.0 = every interface
  std::uint16_t port = 0;             ///< local port; 0 = ephemeral (see UdpSocket::local_port())
  /// A multicast group to receive: the socket sets SO_REUSEADDR (several
  /// receivers on one host) and joins it (IP_ADD_MEMBERSHIP) on
  /// `multicast_interface`. Sending to a group needs no membership.
  std::optional<UdpAddress> multicast_group;
  /// IPv4 address of the interface for multicast (membership and sending,
  /// IP_MULTICAST_IF); empty = the kernel's choice (the default route).
  std::string multicast_interface;
  int multicast_ttl = 1;                  ///< IP_MULTICAST_TTL of sent multicast datagrams, 0..255 (1 = this subnet)
  int receive_buffer_bytes = 1 << 20;     ///< SO_RCVBUF request, bytes (the kernel caps it at net.core.rmem_max); 0 = keep
};

/// A non-blocking IPv4 UDP socket (RAII: closed by the destructor), with
/// IP_MULTICAST_LOOP on so that a host hears the multicast it sends.
///
/// Thread contract: send_to() from one thread and receive()/wait_readable()
/// from one thread (they may be different: the kernel serialises them).
/// send_to() and receive() are one system call each and never allocate;
/// they are for network threads, not for the render thread. Move-only.
class UdpSocket {
 public:
  /// Opens, configures and binds a socket as `config` says. Errors:
  /// errc::value_out_of_range for a bad bind host, interface, TTL or a group
  /// that is not multicast; errc::io_error naming the address and the errno
  /// text when socket(2), setsockopt(2) or bind(2) fails (e.g. the port is in use).
  static caf::expected<UdpSocket> open(const UdpSocketConfig& config);

  /// An invalid socket (nothing open): every call fails.
  UdpSocket() noexcept = default;
  ~UdpSocket();
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  /// Sends one datagram `data[0..size)` to `to`. Returns false when it was
  /// not sent whole (errno tells why: EAGAIN when the send buffer is full,
  /// ENETUNREACH, ...). Never blocks.
  bool send_to(const std::uint8_t* data, std::size_t size, const UdpAddress& to) noexcept;

  /// Takes the next datagram into `buf[0..capacity)`: returns the bytes
  /// stored and sets `from` (its sender) and `truncated` (true when the
  /// datagram was longer than `capacity`: its tail is lost, MSG_TRUNC).
  /// Returns −1 when no datagram is waiting (EAGAIN) or on an error (errno
  /// kept). Never blocks.
  std::ptrdiff_t receive(std::uint8_t* buf, std::size_t capacity, UdpAddress& from, bool& truncated) noexcept;

  /// Waits up to `timeout_ms` ms (−1 = no limit) for a datagram (poll(2)).
  /// True when one can be received; false on timeout, a signal or an error.
  bool wait_readable(int timeout_ms) noexcept;

  /// The bound local port (the ephemeral one when the config said 0); 0 when invalid.
  std::uint16_t local_port() const noexcept { return local_port_; }
  /// True when a socket is open.
  bool valid() const noexcept { return fd_ >= 0; }

 private:
  UdpSocket(int fd, std::uint16_t port) noexcept : fd_(fd), local_port_(port) {}
  int fd_ = -1;
  std::uint16_t local_port_ = 0;
};

}  // namespace crowdmesh::netaudio
