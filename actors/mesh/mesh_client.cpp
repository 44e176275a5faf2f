#include "mesh/mesh_client.hpp"
#include "common/local_clock.hpp"

#include <time.h>

#include <cstring>
#include <iterator>

#include "common/error.hpp"
#include "common/z85_key.hpp"
#include "mesh/socket_security.hpp"

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

caf::expected<void> MeshClient::use_curve(CurveKeyPair own, std::string server_key) {
  for (const auto& [what, key] : {std::pair<const char*, const std::string*>{"this end's public key", &own.public_key},
                                  {"this end's secret key", &own.secret_key},
                                  {"the node's public key", &server_key}}) {
    const std::string problem = z85_key_problem(*key);
    if (!problem.empty()) return make_error(errc::value_out_of_range, std::string(what) + " " + problem);
  }
  own_key_ = std::move(own);
  server_key_ = std::move(server_key);
  return caf::unit;
}

caf::expected<void> MeshClient::connect(const std::string& endpoint) {
  try {
    zmq::socket_t dealer{context_, zmq::socket_type::dealer};
    dealer.set(zmq::sockopt::linger, 0);
    if (own_key_) {
      MeshSecurity sec;
      sec.curve = true;
      sec.own = *own_key_;
      secure_client(dealer, sec, server_key_);
    }
    const std::string monitor_ep = "inproc://crowdmesh.client.monitor." + std::to_string(reinterpret_cast<std::uintptr_t>(this));
    if (zmq_socket_monitor(dealer.handle(), monitor_ep.c_str(),
                           ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) == 0) {
      zmq::socket_t monitor{context_, zmq::socket_type::pair};
      monitor.set(zmq::sockopt::linger, 0);
      monitor.connect(monitor_ep);
      monitor_ = std::move(monitor);
    }
    dealer.connect(endpoint);
    dealer_ = std::move(dealer);
    endpoint_ = endpoint;
    return caf::unit;
  } catch (const zmq::error_t& e) {
    return make_error(errc::value_out_of_range,
                      "cannot connect to '" + endpoint + "': " + e.what() + " (expected e.g. tcp://127.0.0.1:7700)");
  }
}

std::string MeshClient::handshake_failure() {
  std::string last;
  if (!monitor_) return last;
  for (;;) {
    std::vector<zmq::message_t> frames;
    try {
      if (!zmq::recv_multipart(*monitor_, std::back_inserter(frames), zmq::recv_flags::dontwait)) break;
    } catch (const zmq::error_t&) {
      break;
    }
    if (frames.empty() || frames[0].size() < 6) continue;
    std::uint16_t event = 0;
    std::uint32_t value = 0;
    std::memcpy(&event, frames[0].data(), sizeof event);
    std::memcpy(&value, static_cast<const char*>(frames[0].data()) + 2, sizeof value);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
      last = "the node refused this client's key (ZAP status " + std::to_string(value) +
             "): add its public key to the mesh config's [operators] (docs/SECURITY.md)";
    else if (own_key_)
      last = "the CURVE handshake failed: the node does not use CURVE, or its public key is not the one given";
    else
      last = "the handshake failed: the node uses CURVE keys; pass --key (an operator key file) and --config "
             "or --server-key (docs/SECURITY.md)";
  }
  return last;
}

caf::error MeshClient::timeout_error(std::chrono::milliseconds timeout) {
  const std::string refused = handshake_failure();
  if (!refused.empty()) return make_error(errc::not_allowed, "no reply from " + endpoint_ + ": " + refused);
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
    if (own_key_) {
      MeshSecurity sec;
      sec.curve = true;
      sec.own = *own_key_;
      secure_client(sub, sec, server_key_);
    }
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
