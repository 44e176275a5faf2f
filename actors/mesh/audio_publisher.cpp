#include "mesh/audio_publisher.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "common/error.hpp"
#include "mesh/audio_chunk_codec.hpp"
#include "mesh/envelope_codec.hpp"
#include "mesh/monotonic_clock.hpp"

namespace crowdmesh::mesh {

struct AudioPublisher::Impl {
  zmq::context_t ctx{1};
  zmq::socket_t pub{ctx, zmq::socket_type::pub};
  std::string source;
  std::string endpoint;
  std::size_t max_queued = 512;
  mutable std::mutex m;
  std::condition_variable cv;
  std::deque<StreamChunk> queue;
  bool stopping = false;
  std::atomic<std::uint64_t> published{0}, dropped{0};
  std::thread thread;

  void run() {
    std::unique_lock<std::mutex> lock(m);
    for (;;) {
      cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty() && stopping) return;
      StreamChunk c = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      send(c);
      lock.lock();
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

caf::expected<std::unique_ptr<AudioPublisher>> AudioPublisher::start(const std::string& bind,
                                                                     const std::string& source,
                                                                     std::size_t max_queued) {
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  impl->max_queued = max_queued == 0 ? 1 : max_queued;
  try {
    impl->pub.set(zmq::sockopt::linger, 0);
    impl->pub.set(zmq::sockopt::sndhwm, static_cast<int>(impl->max_queued));
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
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->pub.close();
}

bool AudioPublisher::publish(StreamChunk chunk) {
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    if (!impl_->stopping && impl_->queue.size() < impl_->max_queued) {
      impl_->queue.push_back(std::move(chunk));
      impl_->cv.notify_one();
      return true;
    }
  }
  impl_->dropped.fetch_add(1, std::memory_order_relaxed);
  return false;
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
