#include "mesh/audio_publisher.hpp"

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include <sys/eventfd.h>
#include <unistd.h>

#include "common/error.hpp"
#include "mesh/audio_chunk_codec.hpp"
#include "mesh/envelope_codec.hpp"
#include "mesh/monotonic_clock.hpp"
#include "mesh/subscription_set.hpp"
#include "mesh/zap_handler.hpp"

namespace crowdmesh::mesh {

struct AudioPublisher::Impl {
  zmq::context_t ctx{1};
  std::unique_ptr<ZapHandler> zap;  // curve mode: answers the subscribers' handshakes
  // XPUB: a PUB that also tells us who subscribes, so an unheard stream costs
  // neither encoding nor wake-ups (MasterStream asks has_subscribers()).
  zmq::socket_t pub{ctx, zmq::socket_type::xpub};
  std::string source;
  std::string endpoint;
  std::size_t max_queued = 512;
  mutable std::mutex m;
  std::deque<StreamChunk> queue;
  // Wakes the sending thread for a queued chunk or stop(); it also wakes when
  // a (un)subscription arrives on the socket (one zmq_poll on both).
  int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  bool stopping = false;
  std::atomic<std::uint64_t> published{0}, dropped{0};
  std::atomic<std::int64_t> subscriptions{0};  // topics subscribed now (XPUB reports each once)
  std::thread thread;

  SubscriptionSet topics;  // the sending thread's; `subscriptions` mirrors its size for has_subscribers()

  // Reads the (un)subscription messages XPUB queued.
  void read_subscriptions() {
    try {
      zmq::message_t msg;
      while (pub.recv(msg, zmq::recv_flags::dontwait)) topics.apply(msg.data(), msg.size());
    } catch (const zmq::error_t&) {
    }
    subscriptions.store(static_cast<std::int64_t>(topics.size()), std::memory_order_relaxed);
  }

  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }

  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd, &one, sizeof one);  // EAGAIN: already pending
  }

  // Sleeps until a chunk, stop() or a (un)subscription; no timer.
  void wait() {
    zmq::pollitem_t items[] = {{pub.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake_fd, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
    } catch (const zmq::error_t&) {  // EINTR: look again
    }
    if (items[1].revents & ZMQ_POLLIN) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto n = ::read(wake_fd, &count, sizeof count);
    }
  }

  void run() {
    for (;;) {
      wait();
      read_subscriptions();
      std::unique_lock<std::mutex> lock(m);
      while (!queue.empty()) {
        StreamChunk c = std::move(queue.front());
        queue.pop_front();
        lock.unlock();
        send(c);
        lock.lock();
      }
      if (stopping) return;
    }
  }

  void send(const StreamChunk& c) {
    v1::Envelope env;
    env.set_protocol_version(kProtocolVersion);
    env.set_source(source);
    env.set_target("*/encoder");
    env.set_send_time_ns(monotonic_now_ns());
    *env.mutable_audio_chunk() = to_audio_chunk(c);
    const std::string bytes = encode_envelope(env);
    try {
      if (pub.send(zmq::buffer(c.stream_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait) &&
          pub.send(zmq::buffer(bytes), zmq::send_flags::dontwait)) {
        published.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    } catch (const zmq::error_t&) {
    }
    dropped.fetch_add(1, std::memory_order_relaxed);
  }
};

AudioPublisher::AudioPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AudioPublisher::~AudioPublisher() { stop(); }

caf::expected<std::unique_ptr<AudioPublisher>> AudioPublisher::start(const std::string& bind, const std::string& source,
                                                                     std::size_t max_queued,
                                                                     const MeshSecurity& security) {
  auto impl = std::make_unique<Impl>();
  if (impl->wake_fd < 0)
    return make_error(errc::io_error,
                      std::string("cannot create the audio stream's wake-up eventfd: ") + std::strerror(errno));
  impl->source = source;
  impl->max_queued = max_queued == 0 ? 1 : max_queued;
  if (security.curve) {
    auto zap = ZapHandler::start(impl->ctx, security.authorized, source);
    if (!zap) return zap.error();
    impl->zap = std::move(*zap);
  }
  try {
    impl->pub.set(zmq::sockopt::linger, 0);
    impl->pub.set(zmq::sockopt::sndhwm, static_cast<int>(impl->max_queued));
    secure_server(impl->pub, security, kZapDomainAudio);
    impl->pub.bind(bind);
    impl->endpoint = impl->pub.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return make_error(errc::io_error, "cannot bind the audio stream endpoint " + bind + ": " + e.what());
  }
  auto* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<AudioPublisher>(new AudioPublisher(std::move(impl)));
}

void AudioPublisher::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    if (impl_->stopping && !impl_->thread.joinable()) return;
    impl_->stopping = true;
  }
  impl_->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->pub.close();
  if (impl_->zap) impl_->zap->stop();
}

bool AudioPublisher::publish(StreamChunk chunk) {
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    if (!impl_->stopping && impl_->queue.size() < impl_->max_queued) {
      impl_->queue.push_back(std::move(chunk));
      queued = true;
    }
  }
  if (queued) {
    impl_->wake();
    return true;
  }
  impl_->dropped.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool AudioPublisher::has_subscribers() const noexcept {
  return impl_->subscriptions.load(std::memory_order_relaxed) > 0;
}

std::string AudioPublisher::endpoint() const { return impl_->endpoint; }

AudioPublisherStats AudioPublisher::stats() const {
  AudioPublisherStats s;
  s.published = impl_->published.load();
  s.dropped = impl_->dropped.load();
  std::lock_guard<std::mutex> lock(impl_->m);
  s.queued = impl_->queue.size();
  return s;
}

}  // namespace crowdmesh::mesh
