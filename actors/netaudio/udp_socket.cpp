#include "netaudio/udp_socket.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/error.hpp"

namespace crowdmesh::netaudio {
namespace {

std::string errno_text(int e) { return std::strerror(e); }

// setsockopt(2) with an error naming the option and the bound address.
caf::expected<void> set_option(int fd, int level, int name, const void* value, socklen_t size, const char* what,
                               const std::string& where) {
  if (::setsockopt(fd, level, name, value, size) == 0) return {};
  return make_error(errc::io_error, std::string("cannot set ") + what + " on the UDP socket for " + where + ": " +
                                        errno_text(errno));
}

}  // namespace

caf::expected<UdpSocket> UdpSocket::open(const UdpSocketConfig& config) {
  if (config.multicast_ttl < 0 || config.multicast_ttl > 255)
    return make_error(errc::value_out_of_range,
                      "multicast TTL " + std::to_string(config.multicast_ttl) + " is outside 0..255");
  if (config.receive_buffer_bytes < 0)
    return make_error(errc::value_out_of_range,
                      "receive buffer of " + std::to_string(config.receive_buffer_bytes) + " bytes is negative");
  if (config.bind_host.find(':') != std::string::npos)
    return make_error(errc::value_out_of_range,
                      "bind host \"" + config.bind_host + "\" must be a host without a port (the port is separate)");
  auto local = parse_udp_address(config.bind_host, config.port);
  if (!local) return std::move(local.error());
  const std::string where = to_string(*local);
  in_addr interface_addr{};
  interface_addr.s_addr = htonl(INADDR_ANY);
  if (!config.multicast_interface.empty() &&
      ::inet_pton(AF_INET, config.multicast_interface.c_str(), &interface_addr) != 1)
    return make_error(errc::value_out_of_range, "multicast interface \"" + config.multicast_interface +
                                                    "\" is not an IPv4 address (a.b.c.d of the interface)");
  if (config.multicast_group && !config.multicast_group->is_multicast())
    return make_error(errc::value_out_of_range, "multicast group " + to_string(*config.multicast_group) +
                                                    " is not a multicast address (224.0.0.0/4)");

  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(errc::io_error, "cannot open a UDP socket for " + where + ": " + errno_text(errno));
  UdpSocket s(fd, 0);  // closes fd on every error below

  if (config.receive_buffer_bytes > 0) {
    auto ok = set_option(fd, SOL_SOCKET, SO_RCVBUF, &config.receive_buffer_bytes, sizeof(int), "SO_RCVBUF", where);
    if (!ok) return std::move(ok.error());
  }
  const int ttl = config.multicast_ttl;
  const unsigned char loop = 1;
  auto ok = set_option(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl, "IP_MULTICAST_TTL", where);
  if (ok) ok = set_option(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop, "IP_MULTICAST_LOOP", where);
  if (ok && !config.multicast_interface.empty())
    ok = set_option(fd, IPPROTO_IP, IP_MULTICAST_IF, &interface_addr, sizeof interface_addr, "IP_MULTICAST_IF", where);
  if (ok && config.multicast_group) {
    const int one = 1;
    ok = set_option(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one, "SO_REUSEADDR", where);
  }
  if (!ok) return std::move(ok.error());

  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local->addr), sizeof local->addr) != 0)
    return make_error(errc::io_error, "cannot bind a UDP socket to " + where + ": " + errno_text(errno));

  if (config.multicast_group) {
    ip_mreq mreq{};
    mreq.imr_multiaddr = config.multicast_group->addr.sin_addr;
    mreq.imr_interface = interface_addr;
    if (::setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0) {
      const std::string on = config.multicast_interface.empty() ? "the default interface" : config.multicast_interface;
      return make_error(errc::io_error, "cannot join multicast group " + to_string(*config.multicast_group) + " on " +
                                            on + ": " + errno_text(errno));
    }
  }

  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0)
    return make_error(errc::io_error, "cannot read the port of the UDP socket bound to " + where + ": " +
                                          errno_text(errno));
  s.local_port_ = ntohs(bound.sin_port);
  return s;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), local_port_(std::exchange(other.local_port_, 0)) {}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    local_port_ = std::exchange(other.local_port_, 0);
  }
  return *this;
}

bool UdpSocket::send_to(const std::uint8_t* data, std::size_t size, const UdpAddress& to) noexcept {
  ssize_t n;
  do {
    n = ::sendto(fd_, data, size, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to.addr), sizeof to.addr);
  } while (n < 0 && errno == EINTR);
  return n >= 0 && static_cast<std::size_t>(n) == size;
}

std::ptrdiff_t UdpSocket::receive(std::uint8_t* buf, std::size_t capacity, UdpAddress& from,
                                  bool& truncated) noexcept {
  sockaddr_in sender{};
  socklen_t len = sizeof sender;
  ssize_t n;
  do {
    n = ::recvfrom(fd_, buf, capacity, MSG_DONTWAIT | MSG_TRUNC, reinterpret_cast<sockaddr*>(&sender), &len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  from.addr = sender;
  truncated = static_cast<std::size_t>(n) > capacity;  // MSG_TRUNC: the datagram's real length
  return truncated ? static_cast<std::ptrdiff_t>(capacity) : static_cast<std::ptrdiff_t>(n);
}

bool UdpSocket::wait_readable(int timeout_ms) noexcept {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0 && (p.revents & POLLIN) != 0;
}

}  // namespace crowdmesh::netaudio
