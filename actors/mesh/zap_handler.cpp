#include "mesh/zap_handler.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/error.hpp"
#include "common/local_clock.hpp"
#include "common/log.hpp"
#include "common/z85_key.hpp"
#include "mesh/rate_limited_log.hpp"

namespace crowdmesh::mesh {

ZapDecision decide_zap(const std::vector<AuthorizedKey>& authorized, const std::string& mechanism,
                       const std::string& credential) {
  if (mechanism != "CURVE") return {"400", "mechanism " + mechanism + " is not accepted (CURVE only)", ""};
  if (credential.size() != 32) return {"400", "malformed CURVE credential", ""};
  std::array<std::uint8_t, 32> bytes{};
  std::memcpy(bytes.data(), credential.data(), 32);
  const std::string z85 = encode_z85_key(bytes);
  for (const auto& k : authorized)
    if (k.public_key == z85) return {"200", "OK", k.name};
  return {"400", "unknown key " + z85, ""};
}

struct ZapHandler::Impl {
  std::vector<AuthorizedKey> authorized;
  std::string node;
  zmq::socket_t rep;
  int efd = -1;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> accepted{0}, refused{0};
  RateLimitedLog rlog;

  ~Impl() {
    if (efd >= 0) ::close(efd);
  }

  // One request: [version][request id][domain][address][identity][mechanism][credentials...].
  void answer() {
    std::vector<zmq::message_t> frames;
    for (;;) {
      zmq::message_t m;
      if (!rep.recv(m, zmq::recv_flags::dontwait)) return;
      const bool more = m.more();
      if (frames.size() < 8) frames.push_back(std::move(m));
      if (!more) break;
    }
    const std::string request_id = frames.size() > 1 ? frames[1].to_string() : std::string();
    if (frames.size() < 6) {  // not a ZAP request; REP still owes a reply
      reply(request_id, {"500", "malformed ZAP request", ""});
      return;
    }
    const std::string domain = frames[2].to_string();
    const std::string address = frames[3].to_string();
    const std::string mechanism = frames[5].to_string();
    const std::string credential = frames.size() > 6 ? frames[6].to_string() : std::string();
    const ZapDecision d = decide_zap(authorized, mechanism, credential);
    if (d.status_code == "200") {
      accepted.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("mesh {}: {} connected from {} ({})", node, d.user_id, address, domain);
    } else {
      refused.fetch_add(1, std::memory_order_relaxed);
      rlog.warn("zap_refused", local_now_ns(),
                "mesh " + node + ": refused a connection from " + address + " to " + domain + ": " + d.status_text +
                    " (not a node or operator key of this node's mesh config; docs/SECURITY.md)");
    }
    reply(request_id, d);
  }

  void reply(const std::string& request_id, const ZapDecision& d) {
    rep.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
    rep.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
    rep.send(zmq::buffer(d.status_code), zmq::send_flags::sndmore);
    rep.send(zmq::buffer(d.status_text), zmq::send_flags::sndmore);
    rep.send(zmq::buffer(d.user_id), zmq::send_flags::sndmore);
    rep.send(zmq::message_t(), zmq::send_flags::none);
  }

  void run() {
    zmq_pollitem_t items[] = {{rep.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, efd, ZMQ_POLLIN, 0}};
    while (!stopping.load(std::memory_order_acquire)) {
      try {
        zmq::poll(items, 2, std::chrono::milliseconds(-1));
        if (items[0].revents & ZMQ_POLLIN) answer();
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) break;
        if (e.num() != EINTR) spdlog::warn("mesh {}: ZAP handler: {}", node, e.what());
      }
    }
  }
};

ZapHandler::ZapHandler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

caf::expected<std::unique_ptr<ZapHandler>> ZapHandler::start(zmq::context_t& ctx,
                                                             std::vector<AuthorizedKey> authorized, std::string node) {
  auto impl = std::make_unique<Impl>();
  impl->authorized = std::move(authorized);
  impl->node = std::move(node);
  impl->efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->efd < 0)
    return make_error(errc::io_error, std::string("cannot create the ZAP handler's eventfd: ") + std::strerror(errno));
  try {
    impl->rep = zmq::socket_t(ctx, zmq::socket_type::rep);
    impl->rep.set(zmq::sockopt::linger, 0);
    impl->rep.bind("inproc://zeromq.zap.01");
  } catch (const zmq::error_t& e) {
    return make_error(errc::io_error, std::string("cannot bind the ZAP handler (inproc://zeromq.zap.01): ") + e.what());
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    pthread_setname_np(pthread_self(), "cm.zap");
    raw->run();
  });
  return std::unique_ptr<ZapHandler>(new ZapHandler(std::move(impl)));
}

ZapHandler::~ZapHandler() { stop(); }

void ZapHandler::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(impl_->efd, &one, sizeof one);
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->rep.close();
}

ZapStats ZapHandler::stats() const {
  return ZapStats{impl_->accepted.load(std::memory_order_relaxed), impl_->refused.load(std::memory_order_relaxed)};
}

}  // namespace crowdmesh::mesh
