// Two gateways in curve mode (room-a, room-b) on loopback, an operator with a
// key both let in, and clients that have no key, a stranger's key, or the
// wrong server key (docs/SECURITY.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include <zmq.hpp>

#include "common/error.hpp"
#include "mesh/mesh_gateway.hpp"
#include "mesh/monotonic_clock.hpp"

namespace crowdmesh::mesh {
namespace {

using crowdmesh::v1::Envelope;
using crowdmesh::v1::Reply;
using std::chrono::milliseconds;

template <typename Pred>
bool eventually(Pred pred, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return pred();
}

/// A DEALER client; `own` empty = no CURVE at all.
class Client {
 public:
  Client(zmq::context_t& ctx, const std::string& endpoint, const std::optional<CurveKeyPair>& own,
         const std::string& server_key, const std::string& routing_id = "")
      : sock_(ctx, zmq::socket_type::dealer) {
    sock_.set(zmq::sockopt::linger, 0);
    if (!routing_id.empty()) sock_.set(zmq::sockopt::routing_id, routing_id);
    if (own) {
      MeshSecurity sec;
      sec.curve = true;
      sec.own = *own;
      secure_client(sock_, sec, server_key);
    }
    sock_.connect(endpoint);
  }
  std::uint64_t send_status(const std::string& target) {
    Envelope env;
    env.set_protocol_version(kProtocolVersion);
    env.set_source("ops/cli");
    env.set_target(target);
    env.set_correlation_id(++next_id_);
    env.set_send_time_ns(monotonic_now_ns());
    env.mutable_command()->mutable_get_status();
    const std::string bytes = encode_envelope(env);
    sock_.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
    return next_id_;
  }
  std::optional<Envelope> recv(milliseconds timeout) {
    std::vector<zmq::pollitem_t> items = {{sock_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, timeout);
    if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
    zmq::message_t msg;
    if (!sock_.recv(msg)) return std::nullopt;
    Envelope env;
    if (!env.ParseFromArray(msg.data(), static_cast<int>(msg.size()))) return std::nullopt;
    return env;
  }

 private:
  zmq::socket_t sock_;
  std::uint64_t next_id_ = 0;
};

class MeshGatewayCurveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto* k : {&keys_[0], &keys_[1], &operator_, &stranger_}) *k = *generate_curve_key_pair();
    for (int attempt = 0; attempt < 8; ++attempt) {
      base_ = 24000 + ((getpid() + attempt * 211) % 1500) * 4;
      if (start(0) && start(1)) break;
      for (auto& g : gw_) g.reset();
    }
    ASSERT_TRUE(gw_[0] && gw_[1]) << error_;
    ASSERT_TRUE(eventually(
        [&] {
          for (auto& g : gw_)
            for (const auto& n : g->nodes())
              if (!n.alive) return false;
          return true;
        },
        milliseconds(3000)))
        << "the two curve gateways did not hear each other within 3 s";
  }

  std::string endpoint(int node, int socket) const {
    return "tcp://127.0.0.1:" + std::to_string(base_ + node * 2 + socket);
  }

  bool start(int i) {
    GatewayConfig cfg;
    cfg.node = kNames[i];
    cfg.control_bind = endpoint(i, 0);
    cfg.events_bind = endpoint(i, 1);
    const int j = 1 - i;
    cfg.peers.push_back(PeerConfig{kNames[j], endpoint(j, 0), endpoint(j, 1), {"mixer"}, keys_[j].public_key});
    cfg.clock_reference = "room-a";
    cfg.heartbeat_interval = milliseconds(100);
    cfg.request_timeout = milliseconds(500);
    cfg.security.curve = true;
    cfg.security.own = keys_[i];
    cfg.security.authorized = {{"node:room-a", keys_[0].public_key},
                               {"node:room-b", keys_[1].public_key},
                               {"operator:alice", operator_.public_key}};
    const std::string name = kNames[i];
    auto handler = [name](const Envelope&, Responder respond) {
      Reply r;
      r.mutable_ok()->set_message("handled by " + name);
      respond(std::move(r));
    };
    auto g = MeshGateway::start(cfg, handler);
    if (!g) {
      error_ = error_sentence(g.error());
      return false;
    }
    gw_[i] = std::move(*g);
    return true;
  }

  static constexpr const char* kNames[2] = {"room-a", "room-b"};
  zmq::context_t ctx_{1};
  CurveKeyPair keys_[2], operator_, stranger_;
  int base_ = 0;
  std::string error_;
  std::unique_ptr<MeshGateway> gw_[2];
};

TEST_F(MeshGatewayCurveTest, OperatorKeyControlsBothNodesThroughOneHop) {
  Client op(ctx_, gw_[0]->control_endpoint(), operator_, keys_[0].public_key);
  // Alive means room-a hears room-b's events; its DEALER to room-b may still be
  // in its handshake ("not reachable"): ask again for up to 2 s.
  ASSERT_TRUE(eventually(
      [&] {
        const auto id = op.send_status("room-b/mixer");
        auto r = op.recv(milliseconds(500));
        return r && r->correlation_id() == id && r->reply().has_ok();
      },
      milliseconds(2000)));
  for (const char* target : {"room-a/mixer", "room-b/mixer"}) {
    const auto id = op.send_status(target);
    auto reply = op.recv(milliseconds(3000));
    ASSERT_TRUE(reply) << "no reply for " << target;
    EXPECT_EQ(reply->correlation_id(), id);
    ASSERT_TRUE(reply->reply().has_ok()) << reply->reply().error().message();
    EXPECT_EQ(reply->reply().ok().message(), std::string("handled by ") + (target[5] == 'a' ? "room-a" : "room-b"));
  }
  EXPECT_EQ(gw_[0]->stats().unknown_keys, 0u);
}

TEST_F(MeshGatewayCurveTest, UnknownKeyGetsNoneOfAThousandCommandsInAndIsCounted) {
  Client intruder(ctx_, gw_[0]->control_endpoint(), stranger_, keys_[0].public_key);
  const auto before = gw_[0]->stats().commands_in;
  for (int i = 0; i < 1000; ++i) intruder.send_status("*/mixer");
  EXPECT_FALSE(intruder.recv(milliseconds(1000)));
  EXPECT_EQ(gw_[0]->stats().commands_in, before);
  EXPECT_TRUE(eventually([&] { return gw_[0]->stats().unknown_keys >= 1; }, milliseconds(2000)));
  EXPECT_TRUE(eventually([&] { return gw_[0]->stats().handshakes_failed >= 1; }, milliseconds(2000)));
}

TEST_F(MeshGatewayCurveTest, ClientWithoutCurveIsRefusedAndCounted) {
  Client plain(ctx_, gw_[0]->control_endpoint(), std::nullopt, "");
  const auto before = gw_[0]->stats().commands_in;
  for (int i = 0; i < 100; ++i) plain.send_status("room-a/mixer");
  EXPECT_FALSE(plain.recv(milliseconds(500)));
  EXPECT_EQ(gw_[0]->stats().commands_in, before);
  EXPECT_TRUE(eventually([&] { return gw_[0]->stats().handshakes_failed >= 1; }, milliseconds(2000)));
}

TEST_F(MeshGatewayCurveTest, OperatorWithTheWrongServerKeyGetsNoAnswer) {
  // The client checks the server: an impostor server (here: room-a presented
  // with room-b's key) cannot complete the handshake.
  Client op(ctx_, gw_[0]->control_endpoint(), operator_, keys_[1].public_key);
  op.send_status("room-a/mixer");
  EXPECT_FALSE(op.recv(milliseconds(500)));
}

TEST_F(MeshGatewayCurveTest, OperatorClaimingAPeerIdentityIsStillAnOperator) {
  // In curve mode a peer is known by its key, not by the identity it claims:
  // "*/mixer" from an operator reaches both nodes, even as "mesh:room-b:x".
  Client op(ctx_, gw_[0]->control_endpoint(), operator_, keys_[0].public_key, "mesh:room-b:0000000000000000");
  ASSERT_TRUE(eventually(
      [&] {
        const auto id = op.send_status("room-b/mixer");
        auto r = op.recv(milliseconds(500));
        return r && r->correlation_id() == id && r->reply().has_ok();
      },
      milliseconds(2000)));
  const auto forwarded_before = gw_[0]->stats().forwarded;
  const auto id = op.send_status("*/mixer");
  int replies = 0;
  while (auto r = op.recv(milliseconds(1500))) {
    if (r->correlation_id() == id && r->reply().has_ok()) ++replies;
    if (replies == 2) break;
  }
  EXPECT_EQ(replies, 2);
  EXPECT_EQ(gw_[0]->stats().forwarded, forwarded_before + 1);
}

}  // namespace
}  // namespace crowdmesh::mesh
