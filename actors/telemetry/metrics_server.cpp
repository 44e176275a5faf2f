#include "telemetry/metrics_server.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/error.hpp"

namespace crowdmesh::telemetry {

namespace {

constexpr const char* kIndexPage =
    "Crowdmesh node metrics.\n"
    "Prometheus text exposition format: /metrics\n";

std::string host_port(const std::string& address, std::uint16_t port) {
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

void log_mhd(void*, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  std::size_t n = std::strlen(buf);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
  spdlog::warn("metrics server: {}", buf);
}

MHD_Result reply(MHD_Connection* connection, unsigned int status, const std::string& body, const char* content_type,
                 const char* allow = nullptr) {
  MHD_Response* response =
      MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  if (allow != nullptr) MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, allow);
  const MHD_Result r = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return r;
}

}  // namespace

struct MetricsServerAccess {
  static MHD_Result handle(void* cls, MHD_Connection* connection, const char* url, const char* method,
                           const char* /*version*/, const char* /*upload_data*/, std::size_t* upload_data_size,
                           void** /*con_cls*/) {
    auto* self = static_cast<MetricsServer*>(cls);
    constexpr const char* kPlain = "text/plain; charset=utf-8";
    if (std::strcmp(method, MHD_HTTP_METHOD_GET) != 0 && std::strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
      *upload_data_size = 0;  // the body (if any) is not read
      return reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "Only GET is served here.\n", kPlain, "GET, HEAD");
    }
    if (std::strcmp(url, "/metrics") == 0) {
      std::string text;
      try {
        text = self->render_();
      } catch (const std::exception& e) {
        return reply(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
                     std::string("rendering the metrics failed: ") + e.what() + "\n", kPlain);
      } catch (...) {
        return reply(connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "rendering the metrics failed\n", kPlain);
      }
      return reply(connection, MHD_HTTP_OK, text, MetricsServer::kContentType);
    }
    if (std::strcmp(url, "/") == 0) return reply(connection, MHD_HTTP_OK, kIndexPage, kPlain);
    return reply(connection, MHD_HTTP_NOT_FOUND, std::string("Not found: ") + url + "\nMetrics are at /metrics\n",
                 kPlain);
  }
};

MetricsServer::MetricsServer(std::string address, std::function<std::string()> render)
    : address_(std::move(address)), render_(std::move(render)) {}

MetricsServer::~MetricsServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);  // joins the polling thread, closes the socket
}

caf::expected<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& bind_address, std::uint16_t port,
                                                                   std::function<std::string()> render) {
  const std::string where = host_port(bind_address, port);
  if (!render)
    return make_error(errc::value_out_of_range, "cannot serve metrics on " + where + ": no render function given");

  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  const std::string numeric = bind_address == "localhost" ? "127.0.0.1" : bind_address;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, numeric.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    addr_len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, numeric.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    addr_len = sizeof(sockaddr_in6);
  } else {
    return make_error(errc::value_out_of_range,
                      "cannot serve metrics on " + where + ": the address is not a numeric IPv4 or IPv6 address");
  }

  auto io_failure = [&](int err) {
    return make_error(errc::io_error, "cannot serve metrics on " + where + ": " + std::strerror(err));
  };
  // The socket is bound here (not by libmicrohttpd) so that the error names the real errno.
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return io_failure(errno);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));  // restart while old sockets are in TIME_WAIT
  if (addr.ss_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0 || ::listen(fd, 32) != 0) {
    const int err = errno;
    ::close(fd);
    return io_failure(err);
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof(bound);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) {
    const int err = errno;
    ::close(fd);
    return io_failure(err);
  }
  const std::uint16_t bound_port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

  std::unique_ptr<MetricsServer> server(new MetricsServer(bind_address, std::move(render)));
  server->port_ = bound_port;
  const unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                             (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
  server->daemon_ = MHD_start_daemon(flags, bound_port, nullptr, nullptr, &MetricsServerAccess::handle, server.get(),
                                     MHD_OPTION_EXTERNAL_LOGGER, &log_mhd, nullptr, MHD_OPTION_LISTEN_SOCKET,
                                     static_cast<MHD_socket>(fd), MHD_OPTION_CONNECTION_LIMIT, 64u,
                                     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    // libmicrohttpd's failure paths may already have closed the socket it was
    // handed; closing it again could close an unrelated descriptor, so it is left.
    return make_error(errc::io_error, "cannot serve metrics on " + where +
                                          ": libmicrohttpd could not start (see the log for its reason)");
  }
  return server;
}

}  // namespace crowdmesh::telemetry
