#include "osc/osc_bridge.hpp"
#include "osc/reply_budget.hpp"
#include "common/local_clock.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <lo/lo.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "osc/osc_packet.hpp"

namespace crowdmesh::osc {
namespace {

constexpr std::size_t kMaxDatagram = 65536;
constexpr std::size_t kMaxTrackedAddresses = 256;
constexpr std::size_t kMaxLoggedAddressChars = 80;

struct Peer {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

std::string printable(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, kMaxLoggedAddressChars)) {
    out += (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) ? c : '?';
  }
  return s.size() > kMaxLoggedAddressChars ? out + "..." : out;
}

// One dispatched message's slot: released by the first call of its Reply, or
// when the last copy of the Reply is destroyed uncalled (a lost command must
// not hold a slot for ever).
class CommandSlot {
 public:
  explicit CommandSlot(std::shared_ptr<OscBridge::Shared> shared) : shared_(std::move(shared)) {}
  CommandSlot(const CommandSlot&) = delete;
  CommandSlot& operator=(const CommandSlot&) = delete;
  ~CommandSlot() { release(); }
  // True the first time only.
  bool release();

 private:
  std::shared_ptr<OscBridge::Shared> shared_;
  std::atomic<bool> released_{false};
};

}  // namespace

struct OscBridge::Shared {
  mutable std::mutex mutex;
  bool closed = false;
  OscBridgeStats stats;
  ReplyBudget budget{kRepliesPerSecond, kReplyBurst};
  std::int64_t limited_said_ns = 0;  // when the last "replies limited" line was logged
  std::size_t in_flight = 0;         // dispatched messages whose Reply is neither called nor destroyed
  std::int64_t busy_said_ns = 0;     // when the last "refused busy" line was logged

  // Takes a reply from the budget; false (counted, logged at most once a
  // second) when it is spent.
  bool may_reply() {
    const auto now = steady_now_ns();
    std::uint64_t limited = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (budget.take(now)) return true;
      limited = ++stats.replies_limited;
      if (now - limited_said_ns < 1'000'000'000) return false;
      limited_said_ns = now;
    }
    spdlog::warn("osc: reply budget of {:g}/s spent: {} replies not sent so far (a flood, or a forged sender?)",
                 kRepliesPerSecond, limited);
    return false;
  }

  void count_received() {
    std::lock_guard<std::mutex> lock(mutex);
    ++stats.received;
  }

  void count_mapped() {
    std::lock_guard<std::mutex> lock(mutex);
    ++stats.mapped;
  }

  void count_dropped() {
    std::lock_guard<std::mutex> lock(mutex);
    ++stats.replies_dropped;
  }

  // Takes one of the kMaxCommandsInFlight dispatch slots; false (counted,
  // logged at most once a second) when all are taken.
  bool begin_command() {
    const auto now = steady_now_ns();
    std::uint64_t refused = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (in_flight < kMaxCommandsInFlight) {
        ++in_flight;
        return true;
      }
      refused = ++stats.refused_busy;
      if (now - busy_said_ns < 1'000'000'000) return false;
      busy_said_ns = now;
    }
    spdlog::warn("osc: {} commands still unanswered, the most the bridge keeps in flight: {} messages refused so far "
                 "(a flood?)",
                 kMaxCommandsInFlight, refused);
    return false;
  }

  void end_command() {
    std::lock_guard<std::mutex> lock(mutex);
    if (in_flight > 0) --in_flight;
  }

  // Counts a malformed message; logs the first one of each address.
  void malformed(const std::string& address, const std::string& sentence) {
    bool first = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++stats.malformed;
      auto& by = stats.malformed_by_address;
      std::string key = address;
      if (by.find(key) == by.end() && by.size() >= kMaxTrackedAddresses) key = "(other)";
      first = by.find(key) == by.end();
      ++by[key];
    }
    if (first) {
      spdlog::warn("osc: malformed message for '{}': {} (further ones for this address are only counted)",
                   printable(address), sentence);
    }
  }

  // Sends `/reply address ok|error text` to `to` from socket `fd`.
  void send_reply(int fd, const Peer& to, const std::string& address, bool ok, const std::string& text) {
    if (!may_reply()) return;
    lo_message m = lo_message_new();
    if (m == nullptr) {
      count_dropped();
      return;
    }
    lo_message_add_string(m, address.c_str());
    lo_message_add_string(m, ok ? "ok" : "error");
    lo_message_add_string(m, text.c_str());
    std::size_t size = lo_message_length(m, "/reply");
    std::vector<char> bytes(size);
    lo_message_serialise(m, "/reply", bytes.data(), &size);
    lo_message_free(m);

    std::lock_guard<std::mutex> lock(mutex);
    if (closed) {
      ++stats.replies_dropped;
      return;
    }
    const ssize_t n = ::sendto(fd, bytes.data(), size, 0, reinterpret_cast<const sockaddr*>(&to.addr), to.len);
    if (n == static_cast<ssize_t>(size)) {
      ++stats.replies_sent;
    } else {
      ++stats.replies_dropped;
    }
  }
};

struct OscBridge::Listener {
  int fd = -1;
  int wake_read = -1;
  int wake_write = -1;
  int port = 0;
  std::string bind;

  void process(OscBridge& bridge, const char* data, std::size_t size, const Peer& from);
  void handle(OscBridge& bridge, const std::string& address, const std::vector<OscArg>& args, const Peer& from);
};

namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

caf::expected<int> bind_udp(const std::string& host, int port, int& bound_port) {
  const std::string where = "'" + host + "' port " + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list); rc != 0) {
    return make_error(errc::io_error, "cannot bind OSC to " + where + ": " + ::gai_strerror(rc));
  }
  std::string last_error = "no address";
  int fd = -1;
  for (addrinfo* it = list; it != nullptr; it = it->ai_next) {
    fd = ::socket(it->ai_family, it->ai_socktype | SOCK_CLOEXEC, it->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    if (::bind(fd, it->ai_addr, it->ai_addrlen) == 0) break;
    last_error = std::strerror(errno);
    close_fd(fd);
  }
  ::freeaddrinfo(list);
  if (fd < 0) {
    return make_error(errc::io_error, "cannot bind OSC to UDP " + where + ": " + last_error);
  }
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  bound_port = local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port)
                                           : ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  return fd;
}

}  // namespace

void OscBridge::Listener::process(OscBridge& bridge, const char* data, std::size_t size, const Peer& from) {
  auto& shared = *bridge.shared_;
  decode_osc_packet(data, size, [&](OscElement&& element) {
    shared.count_received();
    if (!element.ok()) {
      shared.malformed(element.address, element.error);
      shared.send_reply(fd, from, element.address, false, element.error);
      return;
    }
    handle(bridge, element.address, element.args, from);
  });
}

void OscBridge::Listener::handle(OscBridge& bridge, const std::string& address, const std::vector<OscArg>& args,
                                 const Peer& from) {
  auto shared = bridge.shared_;
  auto mapped = map_osc(address, args);
  if (!mapped) {
    const std::string sentence = error_sentence(mapped.error());
    shared->malformed(address, sentence);
    shared->send_reply(fd, from, address, false, sentence);
    return;
  }
  shared->count_mapped();
  if (!shared->begin_command()) {
    shared->send_reply(fd, from, address, false,
                       "busy: " + std::to_string(kMaxCommandsInFlight) +
                           " OSC commands are still being executed, the most the node takes at once; send fewer");
    return;
  }
  auto slot = std::make_shared<CommandSlot>(shared);
  const int socket = fd;
  Reply reply = [shared, slot, socket, from, address](bool ok, const std::string& text) {
    if (!slot->release()) {
      shared->count_dropped();
      return;
    }
    shared->send_reply(socket, from, address, ok, text);
  };
  try {
    bridge.dispatch_(std::move(*mapped), reply);
  } catch (const std::exception& e) {
    spdlog::error("osc: dispatch of {} threw: {}", printable(address), e.what());
    reply(false, "internal error while dispatching " + address + ": " + e.what());
  } catch (...) {
    spdlog::error("osc: dispatch of {} threw an unknown exception", printable(address));
    reply(false, "internal error while dispatching " + address);
  }
}

bool CommandSlot::release() {
  if (released_.exchange(true)) return false;
  shared_->end_command();
  return true;
}

OscBridge::OscBridge(std::shared_ptr<Shared> shared, Dispatch dispatch)
    : shared_(std::move(shared)), dispatch_(std::move(dispatch)) {}

caf::expected<std::unique_ptr<OscBridge>> OscBridge::start(OscBridgeConfig config, Dispatch dispatch) {
  if (config.ports.empty()) {
    return make_error(errc::value_out_of_range, "OSC bridge needs at least one UDP port");
  }
  if (!dispatch) {
    return make_error(errc::internal, "OSC bridge started without a dispatch function");
  }
  std::unique_ptr<OscBridge> bridge(new OscBridge(std::make_shared<Shared>(), std::move(dispatch)));
  for (int port : config.ports) {
    if (port < 0 || port > 65535) {
      return make_error(errc::value_out_of_range, "OSC port " + std::to_string(port) + " is outside 0..65535");
    }
    auto listener = std::make_unique<Listener>();
    listener->bind = config.bind;
    auto fd = bind_udp(config.bind, port, listener->port);
    if (!fd) return fd.error();  // ~OscBridge closes what is already open
    listener->fd = *fd;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      close_fd(listener->fd);
      return make_error(errc::io_error, std::string("cannot create the OSC wake-up pipe: ") + std::strerror(errno));
    }
    listener->wake_read = pipe_fds[0];
    listener->wake_write = pipe_fds[1];
    bridge->listeners_.push_back(std::move(listener));
  }
  for (auto& listener : bridge->listeners_) {
    Listener* l = listener.get();
    OscBridge* self = bridge.get();
    bridge->threads_.emplace_back([self, l] { self->run(*l); });
    spdlog::info("osc: listening on UDP {} port {}", l->bind, l->port);
  }
  return bridge;
}

void OscBridge::run(Listener& listener) {
  std::vector<char> buffer(kMaxDatagram);
  for (;;) {
    pollfd fds[2] = {{listener.fd, POLLIN, 0}, {listener.wake_read, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("osc: poll failed on port {}: {}", listener.port, std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    Peer from;
    from.len = sizeof(from.addr);
    const ssize_t n =
        ::recvfrom(listener.fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from.addr), &from.len);
    if (n < 0) continue;  // e.g. ICMP port unreachable from an earlier reply
    listener.process(*this, buffer.data(), static_cast<std::size_t>(n), from);
  }
}

void OscBridge::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& listener : listeners_) {
    const char byte = 1;
    if (listener->wake_write >= 0) (void)!::write(listener->wake_write, &byte, 1);
  }
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->closed = true;
  for (auto& listener : listeners_) {
    close_fd(listener->fd);
    close_fd(listener->wake_read);
    close_fd(listener->wake_write);
  }
}

OscBridge::~OscBridge() { stop(); }

std::vector<int> OscBridge::ports() const {
  std::vector<int> out;
  for (const auto& listener : listeners_) out.push_back(listener->port);
  return out;
}

OscBridgeStats OscBridge::stats() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->stats;
}

}  // namespace crowdmesh::osc
