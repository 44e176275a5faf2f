#include "netaudio/udp_address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <memory>

#include "common/error.hpp"

namespace crowdmesh::netaudio {
namespace {

// First IPv4 address of `host` by getaddrinfo(3).
caf::expected<in_addr> resolve(const std::string& host, const std::string& text) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc == 0 && found != nullptr) {
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
    return reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr;
  }
  // Say so when the name exists but has IPv6 addresses only.
  hints.ai_family = AF_INET6;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) == 0) {
    ::freeaddrinfo(found);
    return make_error(errc::value_out_of_range, "host \"" + host + "\" in \"" + text +
                                                    "\" has only IPv6 addresses; remote playout uses IPv4 only");
  }
  return make_error(errc::io_error, "cannot resolve host \"" + host + "\" in \"" + text + "\": " + ::gai_strerror(rc));
}

}  // namespace

UdpAddress UdpAddress::from_host(std::uint32_t host, std::uint16_t port) noexcept {
  UdpAddress a;
  a.addr.sin_family = AF_INET;
  a.addr.sin_addr.s_addr = htonl(host);
  a.addr.sin_port = htons(port);
  return a;
}

bool UdpAddress::is_multicast() const noexcept { return IN_MULTICAST(host()); }

bool UdpAddress::same_host(const UdpAddress& other) const noexcept {
  return addr.sin_addr.s_addr == other.addr.sin_addr.s_addr;
}

caf::expected<UdpAddress> parse_udp_address(const std::string& text, std::uint16_t default_port) {
  const auto ipv6 = [&] {
    return make_error(errc::value_out_of_range,
                      "\"" + text + "\" is an IPv6 address; remote playout uses IPv4 only (write a.b.c.d[:port])");
  };
  if (!text.empty() && text.front() == '[') return ipv6();
  const auto colon = text.find(':');
  if (colon != std::string::npos && text.find(':', colon + 1) != std::string::npos) return ipv6();
  const std::string host = text.substr(0, colon);
  if (host.empty()) return make_error(errc::value_out_of_range, "no host in UDP address \"" + text + "\"");
  std::uint16_t port = default_port;
  if (colon != std::string::npos) {
    const std::string digits = text.substr(colon + 1);
    unsigned long value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value < 1 || value > 65535)
      return make_error(errc::value_out_of_range,
                        "port \"" + digits + "\" in UDP address \"" + text + "\" is not a number in 1..65535");
    port = static_cast<std::uint16_t>(value);
  }
  UdpAddress a;
  a.addr.sin_family = AF_INET;
  a.addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &a.addr.sin_addr) == 1) return a;
  auto resolved = resolve(host, text);
  if (!resolved) return std::move(resolved.error());
  a.addr.sin_addr = *resolved;
  return a;
}

std::string to_string(const UdpAddress& a) {
  char host[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a.addr.sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(a.port());
}

}  // namespace crowdmesh::netaudio
