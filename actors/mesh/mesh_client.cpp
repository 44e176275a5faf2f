#include "mesh/mesh_client.hpp"
#include "common/local_clock.hpp"

#include <time.h>

#include <iterator>

#include "common/error.hpp"

namespace crowdmesh::mesh {
namespace {

constexpr std::chrono::milliseconds kStopCheckInterval{100};

bool answers(const v1::Envelope& reply, std::uint64_t correlation_id) {
  if (reply.correlation_id() == correlation_id) return true;
  return reply.correlation_id() == 0 && reply.has_reply() && reply.reply().has_error();
}

}  // namespace

MeshClient::MeshClient() : context_{1} {}

std::int64_t MeshClient::monotonic_now_ns() { return crowdmesh::steady_now_ns(); }

caf::expected<void> MeshClient::connect(const std::string& endpoint) {
  try {
    zmq::socket_t dealer{context_, zmq::socket_type::dealer};
    dealer.set(zmq::sockopt::linger, 0);
    dealer.connect(endpoint);
    dealer_ = std::move(dealer);
    endpoint_ = endpoint;
    return caf::unit;
  } catch (const zmq::error_t& e) {
    return make_error(errc::value_out_of_range,
                      "cannot connect to '" + endpoint + "': " + e.what() + " (expected e.g. tcp://127.0.0.1:7700)");
  }
}

caf::error MeshClient::timeout_error(std::chrono::milliseconds timeout) const {
  return make_error(errc::timeout, "no reply from " + endpoint_ + " within " + std::to_string(timeout.count()) +
                                       " ms (is audio_node running? see control_node nodes)");
}

caf::expected<void> MeshClient::send(v1::Envelope& request) {
  if (!dealer_) return make_error(errc::internal, "send before connect");
  request.set_send_time_ns(monotonic_now_ns());
  std::string frame;
  if (!request.SerializeToString(&frame)) return make_error(errc::internal, "cannot serialize the command envelope");
  try {
    if (!dealer_->send(zmq::buffer(frame), zmq::send_flags::dontwait))
      return make_error(errc::timeout, "cannot queue the command for " + endpoint_ + " (send queue full)");
  } catch (const zmq::error_t& e) {
    return make_error(errc::internal, std::string{"sending to "} + endpoint_ + " failed: " + e.what());
  }
  return caf::unit;
}

std::optional<v1::Envelope> MeshClient::receive_until(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return std::nullopt;
    std::vector<zmq::pollitem_t> items = {{dealer_->handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, left);
    } catch (const zmq::error_t&) {
      return std::nullopt;  // EINTR (Ctrl-C) or a closing context: treat as no reply
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(*dealer_, std::back_inserter(frames), zmq::recv_flags::dontwait)) continue;
    if (frames.size() != 1) continue;
    v1::Envelope reply;
    if (reply.ParseFromArray(frames[0].data(), static_cast<int>(frames[0].size()))) return reply;
  }
}

caf::expected<v1::Envelope> MeshClient::request(v1::Envelope request, std::chrono::milliseconds timeout) {
  if (auto sent = send(request); !sent) return sent.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (auto reply = receive_until(deadline)) {
    if (answers(*reply, request.correlation_id())) return std::move(*reply);
  }
  return timeout_error(timeout);
}

caf::expected<std::vector<v1::Envelope>> MeshClient::request_all(v1::Envelope request, std::size_t expected_replies,
                                                                 std::chrono::milliseconds timeout) {
  if (auto sent = send(request); !sent) return sent.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<v1::Envelope> replies;
  while (expected_replies == 0 || replies.size() < expected_replies) {
    auto reply = receive_until(deadline);
    if (!reply) break;
    if (answers(*reply, request.correlation_id())) replies.push_back(std::move(*reply));
  }
  if (replies.empty()) return timeout_error(timeout);
  return replies;
}

caf::expected<std::uint64_t> MeshClient::subscribe(const std::string& events_endpoint, const std::string& prefix,
                                                   const EnvelopeHandler& on_envelope, const std::atomic<bool>& stop) {
  zmq::socket_t sub{context_, zmq::socket_type::sub};
  sub.set(zmq::sockopt::linger, 0);
  try {
    sub.connect(events_endpoint);
  } catch (const zmq::error_t& e) {
    return make_error(errc::value_out_of_range, "cannot connect to '" + events_endpoint + "': " + e.what() +
                                                    " (expected e.g. tcp://127.0.0.1:7701)");
  }
  sub.set(zmq::sockopt::subscribe, prefix);
  std::uint64_t handled = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    std::vector<zmq::pollitem_t> items = {{sub.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, kStopCheckInterval);
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return make_error(errc::internal, std::string{"polling "} + events_endpoint + " failed: " + e.what());
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(sub, std::back_inserter(frames), zmq::recv_flags::dontwait)) continue;
    if (frames.size() != 2) continue;
    v1::Envelope envelope;
    if (!envelope.ParseFromArray(frames[1].data(), static_cast<int>(frames[1].size()))) continue;
    ++handled;
    if (!on_envelope(frames[0].to_string(), envelope)) break;
  }
  return handled;
}

}  // namespace crowdmesh::mesh
