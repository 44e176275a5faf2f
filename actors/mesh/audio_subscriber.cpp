#include "mesh/audio_subscriber.hpp"

#include <atomic>
#include <thread>
#include <variant>
#include <zmq.hpp>

#include "common/error.hpp"
#include "mesh/audio_chunk_codec.hpp"
#include "mesh/envelope_codec.hpp"
#include "mesh/monotonic_clock.hpp"
#include "mesh/rate_limited_log.hpp"

namespace crowdmesh::mesh {

bool stream_matches(const std::string& id, const std::string& wanted) {
  if (wanted.empty() || id == wanted) return true;
  return id.size() > wanted.size() && id.compare(id.size() - wanted.size(), wanted.size(), wanted) == 0 &&
         id[id.size() - wanted.size() - 1] == '/';
}

struct AudioSubscriber::Impl {
  zmq::context_t ctx{1};
  zmq::socket_t sub{ctx, zmq::socket_type::sub};
  std::string endpoint;
  std::string wanted;
  std::size_t max_bytes = 1 << 20;
  ChunkHandler handler;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> received{0}, other{0}, malformed{0};
  RateLimitedLog log;
  std::thread thread;

  void bad(const std::string& why) {
    malformed.fetch_add(1, std::memory_order_relaxed);
    log.warn("audio_malformed", monotonic_now_ns(), "audio stream from " + endpoint + ": " + why);
  }

  void on_message(std::vector<zmq::message_t>& parts) {
    if (parts.size() != 2) {
      bad("message of " + std::to_string(parts.size()) + " frames dropped (2 expected: topic, envelope)");
      return;
    }
    auto decoded = decode_envelope(parts[1].data(), parts[1].size(), max_bytes);
    if (auto* err = std::get_if<WireError>(&decoded)) {
      bad(err->message);
      return;
    }
    auto& env = std::get<v1::Envelope>(decoded);
    if (!env.has_audio_chunk()) {
      bad("envelope without an audio chunk dropped");
      return;
    }
    if (!stream_matches(env.audio_chunk().stream_id(), wanted)) {
      other.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    auto chunk = from_audio_chunk(env.audio_chunk());
    if (!chunk) {
      bad(error_sentence(chunk.error()));
      return;
    }
    received.fetch_add(1, std::memory_order_relaxed);
    handler(std::move(*chunk));
  }

  void run() {
    std::vector<zmq::message_t> parts;
    while (!stopping.load()) {
      zmq_pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
      try {
        zmq::poll(&item, 1, std::chrono::milliseconds(100));
        if (!(item.revents & ZMQ_POLLIN)) continue;
        for (int budget = 0; budget < 256 && !stopping.load(); ++budget) {
          parts.clear();
          zmq::message_t msg;
          if (!sub.recv(msg, zmq::recv_flags::dontwait)) break;
          for (;;) {
            const bool more = msg.more();
            if (parts.size() < 4) parts.push_back(std::move(msg));
            if (!more) break;
            msg = zmq::message_t();
            if (!sub.recv(msg)) break;
          }
          on_message(parts);
        }
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        bad(std::string("receive failed: ") + e.what());
      }
    }
  }
};

AudioSubscriber::AudioSubscriber(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AudioSubscriber::~AudioSubscriber() { stop(); }

caf::expected<std::unique_ptr<AudioSubscriber>> AudioSubscriber::start(const std::string& endpoint,
                                                                       const std::string& wanted, ChunkHandler handler,
                                                                       std::size_t max_message_bytes,
                                                                       const MeshSecurity& security,
                                                                       const std::string& server_key) {
  auto impl = std::make_unique<Impl>();
  impl->endpoint = endpoint;
  impl->wanted = wanted;
  impl->max_bytes = max_message_bytes;
  impl->handler = std::move(handler);
  try {
    impl->sub.set(zmq::sockopt::linger, 0);
    // Retry often: a sender that starts after us must not lose its first blocks.
    impl->sub.set(zmq::sockopt::reconnect_ivl, 10);
    impl->sub.set(zmq::sockopt::rcvhwm, 4096);
    impl->sub.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(max_message_bytes) + 64);
    impl->sub.set(zmq::sockopt::subscribe, "");
    secure_client(impl->sub, security, server_key);
    impl->sub.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return make_error(errc::value_out_of_range, "cannot connect to the audio stream '" + endpoint + "': " + e.what() +
                                                    " (expected e.g. tcp://10.0.0.11:7702)");
  }
  auto* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<AudioSubscriber>(new AudioSubscriber(std::move(impl)));
}

void AudioSubscriber::stop() {
  impl_->stopping.store(true);
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->sub.close();
}

AudioSubscriberStats AudioSubscriber::stats() const {
  AudioSubscriberStats s;
  s.received = impl_->received.load();
  s.other_streams = impl_->other.load();
  s.malformed = impl_->malformed.load();
  return s;
}

const std::string& AudioSubscriber::endpoint() const { return impl_->endpoint; }

}  // namespace crowdmesh::mesh
