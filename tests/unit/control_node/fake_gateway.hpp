#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "crowdmesh/v1/envelope.pb.h"

namespace crowdmesh::control::test {

/// A stand-in for a node's gateway: a ROUTER bound to tcp://127.0.0.1:* on its
/// own thread that answers each one-frame Envelope with whatever `answer`
/// returns (zero, one or several envelopes, sent to the requester's routing id).
/// Thread contract: `answer` runs on the fake's thread; construct and destroy
/// on the test thread.
class FakeGateway {
 public:
  using Answer = std::function<std::vector<v1::Envelope>(const v1::Envelope& request)>;

  explicit FakeGateway(Answer answer);
  ~FakeGateway();
  FakeGateway(const FakeGateway&) = delete;
  FakeGateway& operator=(const FakeGateway&) = delete;

  /// The bound endpoint, e.g. "tcp://127.0.0.1:41234".
  const std::string& endpoint() const { return endpoint_; }
  /// Requests received so far.
  int requests() const { return requests_.load(); }

  /// A reply envelope to `request` from "<node>/mixer" carrying `reply`.
  static v1::Envelope reply_to(const v1::Envelope& request, const std::string& node, const v1::Reply& reply);

 private:
  void serve();

  Answer answer_;
  zmq::context_t context_{1};
  zmq::socket_t router_{context_, zmq::socket_type::router};
  std::string endpoint_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace crowdmesh::control::test
