#include "fake_gateway.hpp"

#include <zmq_addon.hpp>

#include <chrono>
#include <iterator>

namespace crowdmesh::control::test {

FakeGateway::FakeGateway(Answer answer) : answer_{std::move(answer)} {
  router_.set(zmq::sockopt::linger, 0);
  router_.bind("tcp://127.0.0.1:*");
  endpoint_ = router_.get(zmq::sockopt::last_endpoint);
  thread_ = std::thread{[this] { serve(); }};
}

FakeGateway::~FakeGateway() {
  stop_.store(true);
  thread_.join();
}

v1::Envelope FakeGateway::reply_to(const v1::Envelope& request, const std::string& node, const v1::Reply& reply) {
  v1::Envelope out;
  out.set_protocol_version(1);
  out.set_source(node + "/mixer");
  out.set_target(request.source());
  out.set_correlation_id(request.correlation_id());
  out.set_send_time_ns(1);
  *out.mutable_reply() = reply;
  return out;
}

void FakeGateway::serve() {
  while (!stop_.load()) {
    std::vector<zmq::pollitem_t> items = {{router_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, std::chrono::milliseconds{20});
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(router_, std::back_inserter(frames), zmq::recv_flags::dontwait)) continue;
    if (frames.size() != 2) continue;
    v1::Envelope request;
    if (!request.ParseFromArray(frames[1].data(), static_cast<int>(frames[1].size()))) continue;
    ++requests_;
    for (const auto& reply : answer_(request)) {
      std::string payload = reply.SerializeAsString();
      router_.send(zmq::buffer(frames[0].to_string()), zmq::send_flags::sndmore);
      router_.send(zmq::buffer(payload), zmq::send_flags::none);
    }
  }
}

}  // namespace crowdmesh::control::test
