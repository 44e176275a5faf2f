// Three gateways in one process on loopback (room-a, room-b, room-c; room-a is
// the clock reference) and DEALER clients speaking the PROTOCOL.md framing.
#include "mesh/mesh_gateway.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "common/error.hpp"
#include "mesh/monotonic_clock.hpp"

namespace crowdmesh::mesh {
namespace {

using crowdmesh::v1::Envelope;
using crowdmesh::v1::Reply;
using std::chrono::milliseconds;

constexpr milliseconds kInterval{100};
constexpr int kLiveness = 3;
constexpr milliseconds kRequestTimeout{300};
constexpr std::size_t kMaxBytes = 64 * 1024;
constexpr milliseconds kReplyWait{2000};
const char* const kNames[3] = {"room-a", "room-b", "room-c"};

/// Polls `pred` every 5 ms until it holds or `timeout` passes.
template <typename Pred>
bool wait_until(Pred pred, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return pred();
}

/// A control client: one DEALER, one frame per envelope.
class TestClient {
 public:
  TestClient(zmq::context_t& ctx, const std::string& endpoint, const std::string& routing_id = "")
      : sock_(ctx, zmq::socket_type::dealer) {
    sock_.set(zmq::sockopt::linger, 0);
    if (!routing_id.empty()) sock_.set(zmq::sockopt::routing_id, routing_id);
    sock_.connect(endpoint);
  }

  std::uint64_t send(const std::string& target, const std::function<void(crowdmesh::v1::Command&)>& fill) {
    Envelope env;
    env.set_protocol_version(kProtocolVersion);
    env.set_source("ctl-test/cli");
    env.set_target(target);
    env.set_correlation_id(++next_id_);
    env.set_send_time_ns(monotonic_now_ns());
    fill(*env.mutable_command());
    send_envelope(env);
    return env.correlation_id();
  }
  std::uint64_t send_status(const std::string& target) {
    return send(target, [](auto& c) { c.mutable_get_status(); });
  }
  void send_envelope(const Envelope& env) { send_raw({encode_envelope(env)}); }
  void send_raw(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      sock_.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }
  /// The next envelope, or nullopt after `timeout`.
  std::optional<Envelope> recv(milliseconds timeout = kReplyWait) {
    std::vector<zmq::pollitem_t> items = {{sock_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, timeout);
    if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
    zmq::message_t msg;
    if (!sock_.recv(msg)) return std::nullopt;
    Envelope env;
    if (!env.ParseFromArray(msg.data(), static_cast<int>(msg.size()))) return std::nullopt;
    return env;
  }
  std::uint64_t next_id() const { return next_id_; }

 private:
  zmq::socket_t sock_;
  std::uint64_t next_id_ = 0;
};

/// Handler behaviour switchable per test.
enum class Mode { kAnswer, kHold, kDrop, kAnswerLater, kThrow };

class MeshGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Fixed ports (peers need them); try a few bases in case one is taken.
    for (int attempt = 0; attempt < 8; ++attempt) {
      base_port_ = 20000 + ((getpid() + attempt * 337) % 2000) * 10;
      bool ok = true;
      for (int i = 0; i < 3 && ok; ++i) ok = start_node(i);
      if (ok) break;
      for (auto& g : gateways_) g.reset();
    }
    ASSERT_TRUE(gateways_[0] && gateways_[1] && gateways_[2]) << last_error_;
    ASSERT_TRUE(wait_until([&] { return all_alive(); }, milliseconds(3000)))
        << "gateways did not see each other within 3 s";
  }

  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(held_mutex_);
      held_.clear();
    }
    for (auto& g : gateways_) g.reset();
  }

  GatewayConfig config(int i) const {
    GatewayConfig cfg;
    cfg.node = kNames[i];
    cfg.roles = {"mixer", "device"};
    cfg.control_bind = endpoint(i, 0);
    cfg.events_bind = endpoint(i, 1);
    for (int j = 0; j < 3; ++j) {
      if (j == i) continue;
      cfg.peers.push_back(PeerConfig{kNames[j], endpoint(j, 0), endpoint(j, 1), {"mixer"}, ""});
    }
    cfg.clock_reference = "room-a";
    cfg.max_message_bytes = kMaxBytes;
    cfg.request_timeout = kRequestTimeout;
    cfg.heartbeat_interval = kInterval;
    cfg.liveness = kLiveness;
    cfg.clock_probe_interval = milliseconds(200);
    if (i == 2) cfg.mesh_time = room_c_time_;
    return cfg;
  }

  std::string endpoint(int node, int socket) const {
    return "tcp://127.0.0.1:" + std::to_string(base_port_ + node * 2 + socket);
  }

  bool start_node(int i) {
    const std::string name = kNames[i];
    auto handler = [this, name](const Envelope& cmd, Responder respond) {
      handled_count_.fetch_add(1);
      Reply reply;
      reply.mutable_ok()->set_message("handled by " + name + " for " + cmd.target());
      switch (mode_.load()) {
        case Mode::kAnswer: respond(std::move(reply)); break;
        case Mode::kHold: {
          std::lock_guard<std::mutex> lock(held_mutex_);
          held_.push_back(std::move(respond));
          break;
        }
        case Mode::kDrop: break;
        case Mode::kAnswerLater:
          std::thread([respond, reply]() mutable {
            std::this_thread::sleep_for(milliseconds(20));
            respond(reply);
            respond(reply);  // ignored: only the first call counts
          }).detach();
          break;
        case Mode::kThrow: throw std::runtime_error("deck table corrupted");
      }
    };
    auto g = MeshGateway::start(config(i), handler);
    if (!g) {
      last_error_ = error_sentence(g.error());
      return false;
    }
    gateways_[i] = std::move(*g);
    return true;
  }

  bool all_alive() const {
    for (const auto& g : gateways_) {
      if (!g) return false;
      for (const auto& n : g->nodes()) {
        if (!n.alive) return false;
      }
    }
    return true;
  }

  std::optional<PeerState> node_seen_by(int observer, const std::string& name) const {
    for (const auto& n : gateways_[observer]->nodes()) {
      if (n.name == name) return n;
    }
    return std::nullopt;
  }

  static std::string error_message(const Envelope& env) {
    return env.reply().has_error() ? env.reply().error().message() : "(not an error)";
  }

  zmq::context_t ctx_{1};
  std::shared_ptr<MeshTimeSource> room_c_time_ = std::make_shared<MeshTimeSource>();
  int base_port_ = 0;
  std::string last_error_;
  std::unique_ptr<MeshGateway> gateways_[3];
  std::atomic<Mode> mode_{Mode::kAnswer};
  std::atomic<int> handled_count_{0};
  std::mutex held_mutex_;
  std::vector<Responder> held_;
};

TEST_F(MeshGatewayTest, CommandForTheOwnNodeIsHandledLocally) {
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  const auto id = client.send_status("room-a/mixer");
  auto reply = client.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
  EXPECT_EQ(reply->source(), "room-a/mixer");
  EXPECT_EQ(reply->target(), "ctl-test/cli");
  ASSERT_TRUE(reply->reply().has_ok()) << error_message(*reply);
  EXPECT_EQ(reply->reply().ok().message(), "handled by room-a for room-a/mixer");
  EXPECT_GT(reply->send_time_ns(), 0);
}

TEST_F(MeshGatewayTest, CommandForAnotherNodeIsForwardedWithTheOriginalCorrelationId) {
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  client.send_status("room-c/mixer");  // id 1, to make the ids differ from the gateway's
  ASSERT_TRUE(client.recv());
  const auto id = client.send_status("room-c/mixer");
  auto reply = client.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
  EXPECT_EQ(reply->source(), "room-c/mixer");
  EXPECT_EQ(reply->target(), "ctl-test/cli");
  ASSERT_TRUE(reply->reply().has_ok()) << error_message(*reply);
  EXPECT_EQ(reply->reply().ok().message(), "handled by room-c for room-c/mixer");
  EXPECT_EQ(gateways_[0]->stats().forwarded, 2u);
  EXPECT_EQ(gateways_[2]->stats().commands_in, 2u);
}

TEST_F(MeshGatewayTest, EveryNodeCommandGetsOneReplyPerNode) {
  TestClient client(ctx_, gateways_[1]->control_endpoint());
  const auto id = client.send_status("*/mixer");
  std::set<std::string> sources;
  for (int i = 0; i < 3; ++i) {
    auto reply = client.recv();
    ASSERT_TRUE(reply) << "reply " << i + 1 << " of 3 missing";
    EXPECT_EQ(reply->correlation_id(), id);
    ASSERT_TRUE(reply->reply().has_ok()) << error_message(*reply);
    sources.insert(reply->source());
  }
  EXPECT_EQ(sources, (std::set<std::string>{"room-a/mixer", "room-b/mixer", "room-c/mixer"}));
  EXPECT_FALSE(client.recv(milliseconds(200))) << "more than one reply per node";
  EXPECT_EQ(handled_count_.load(), 3);
}

TEST_F(MeshGatewayTest, EveryNodeCommandAnswersADeadNodeImmediately) {
  gateways_[2]->stop();
  ASSERT_TRUE(wait_until([&] { return !node_seen_by(1, "room-c")->alive; }, milliseconds(2000)));
  TestClient client(ctx_, gateways_[1]->control_endpoint());
  const auto id = client.send_status("*/mixer");
  std::set<std::string> sources;
  std::string dead_message;
  for (int i = 0; i < 3; ++i) {
    auto reply = client.recv();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->correlation_id(), id);
    sources.insert(reply->source());
    if (reply->source() == "room-c/mixer") {
      ASSERT_TRUE(reply->reply().has_error());
      EXPECT_EQ(reply->reply().error().code(), crowdmesh::v1::ERROR_CODE_TIMEOUT);
      dead_message = reply->reply().error().message();
    }
  }
  EXPECT_EQ(sources.size(), 3u);
  EXPECT_NE(dead_message.find("node room-c is not alive (last heard "), std::string::npos) << dead_message;
}

TEST_F(MeshGatewayTest, UnknownNodeIsRejectedListingTheKnownNodes) {
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  const auto id = client.send_status("room-x/mixer");
  auto reply = client.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
  ASSERT_TRUE(reply->reply().has_error());
  EXPECT_EQ(reply->reply().error().code(), crowdmesh::v1::ERROR_CODE_UNKNOWN_NODE);
  EXPECT_EQ(reply->reply().error().message(), "unknown node 'room-x' (known: room-a, room-b, room-c)");
  EXPECT_EQ(gateways_[0]->stats().unknown_node, 1u);
}

TEST_F(MeshGatewayTest, MalformedInputGetsErrorRepliesAndTheGatewayKeepsServing) {
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  auto expect_error = [&](crowdmesh::v1::ErrorCode code, std::uint64_t id, const std::string& needle) {
    auto reply = client.recv();
    ASSERT_TRUE(reply) << "no reply for the case expecting " << crowdmesh::v1::ErrorCode_Name(code);
    ASSERT_TRUE(reply->reply().has_error());
    EXPECT_EQ(reply->reply().error().code(), code) << reply->reply().error().message();
    EXPECT_EQ(reply->correlation_id(), id);
    EXPECT_NE(reply->reply().error().message().find(needle), std::string::npos) << reply->reply().error().message();
  };

  client.send_raw({std::string("\xFF\xFF\x01garbage", 10)});
  expect_error(crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE, 0, "not a parsable");

  client.send_raw({std::string(kMaxBytes + 100, 'x')});
  expect_error(crowdmesh::v1::ERROR_CODE_MESSAGE_TOO_LARGE, 0,
               "message of " + std::to_string(kMaxBytes + 100) + " bytes exceeds the limit of " +
                   std::to_string(kMaxBytes) + " bytes");

  Envelope v2;
  v2.set_protocol_version(2);
  v2.set_source("ctl-test/cli");
  v2.set_target("room-a/mixer");
  v2.set_correlation_id(77);
  v2.mutable_command()->mutable_get_status();
  client.send_envelope(v2);
  expect_error(crowdmesh::v1::ERROR_CODE_VERSION_MISMATCH, 77,
               "protocol version 2 is not supported (this node speaks 1)");

  Envelope empty = v2;
  empty.set_protocol_version(1);
  empty.set_correlation_id(78);
  empty.clear_payload();
  client.send_envelope(empty);
  expect_error(crowdmesh::v1::ERROR_CODE_UNKNOWN_PAYLOAD, 78, "no payload");

  Envelope no_command = empty;
  no_command.set_correlation_id(79);
  no_command.mutable_command();
  client.send_envelope(no_command);
  expect_error(crowdmesh::v1::ERROR_CODE_UNKNOWN_PAYLOAD, 79, "no command this node knows");

  Envelope event = empty;
  event.set_correlation_id(80);
  event.mutable_event()->set_kind("heartbeat");
  client.send_envelope(event);
  expect_error(crowdmesh::v1::ERROR_CODE_UNKNOWN_PAYLOAD, 80, "payload event is not accepted");

  Envelope bad_target = v2;
  bad_target.set_protocol_version(1);
  bad_target.set_correlation_id(81);
  bad_target.set_target("room-a");
  client.send_envelope(bad_target);
  expect_error(crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE, 81, "malformed address 'room-a'");

  client.send_raw({encode_envelope(v2), "second frame"});
  expect_error(crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE, 0, "got 2 frames");

  const auto id = client.send_status("room-b/mixer");
  auto good = client.recv();
  ASSERT_TRUE(good);
  EXPECT_EQ(good->correlation_id(), id);
  EXPECT_TRUE(good->reply().has_ok()) << error_message(*good);

  // The gateway counts a reply once its send returned, which may be after the
  // client already has it (seen beside stress-ng): wait for the count, then
  // assert it exactly.
  EXPECT_TRUE(wait_until([&] { return gateways_[0]->stats().replies_out >= 9u; }, milliseconds(2000)));
  const auto s = gateways_[0]->stats();
  EXPECT_EQ(s.malformed, 3u);
  EXPECT_EQ(s.too_large, 1u);
  EXPECT_EQ(s.version_mismatch, 1u);
  EXPECT_EQ(s.unknown_payload, 3u);
  EXPECT_EQ(s.replies_out, 9u);
}

TEST_F(MeshGatewayTest, FrameFarAboveTheLimitIsDroppedAndTheGatewayKeepsServing) {
  {
    TestClient big(ctx_, gateways_[0]->control_endpoint());
    big.send_raw({std::string(kMaxBytes * 4, 'x')});  // ZeroMQ drops it (ZMQ_MAXMSGSIZE)
    EXPECT_FALSE(big.recv(milliseconds(200)));
  }
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  const auto id = client.send_status("room-a/mixer");
  auto reply = client.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
}

TEST_F(MeshGatewayTest, CommandForwardedByAPeerIsNotForwardedAgain) {
  TestClient fake_peer(ctx_, gateways_[0]->control_endpoint(), "mesh:room-b");
  const auto id = fake_peer.send_status("room-c/mixer");
  auto reply = fake_peer.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
  ASSERT_TRUE(reply->reply().has_error());
  EXPECT_EQ(reply->reply().error().code(), crowdmesh::v1::ERROR_CODE_UNKNOWN_NODE);
  EXPECT_NE(reply->reply().error().message().find("does not forward"), std::string::npos);
  EXPECT_EQ(gateways_[0]->stats().forwarded, 0u);
}

TEST_F(MeshGatewayTest, ImpostorUnderAPeersOldIdentityGetsNoneOfItsReplies) {
  // Peers used to connect as "mesh:<node>" to ROUTERs with ROUTER_HANDOVER:
  // anyone connecting as "mesh:room-b" took over the replies room-a owed room-b.
  TestClient impostor(ctx_, gateways_[0]->control_endpoint(), "mesh:room-b");
  impostor.send_status("room-a/mixer");
  ASSERT_TRUE(impostor.recv());  // connected, and answered as any client
  TestClient client(ctx_, gateways_[1]->control_endpoint());
  for (int i = 0; i < 5; ++i) {
    const auto id = client.send_status("room-a/mixer");  // room-b forwards to room-a
    auto reply = client.recv();
    ASSERT_TRUE(reply) << "room-a's reply to room-b went elsewhere";
    EXPECT_EQ(reply->correlation_id(), id);
    EXPECT_TRUE(reply->reply().has_ok()) << error_message(*reply);
  }
  EXPECT_FALSE(impostor.recv(milliseconds(200)));
}

TEST_F(MeshGatewayTest, ForwardedCommandWithAnExtremeExecuteAtWaitsForItsReply) {
  // execute_at_ns − now used to overflow for INT64_MIN/MAX: the forward's
  // deadline wrapped and the requester got a timeout at once.
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  for (const std::int64_t at : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    Envelope env;
    env.set_protocol_version(kProtocolVersion);
    env.set_source("ctl-test/cli");
    env.set_target("room-c/mixer");
    env.set_correlation_id(900 + (at > 0));
    env.set_execute_at_ns(at);
    env.mutable_command()->mutable_get_status();
    client.send_envelope(env);
    auto reply = client.recv();
    ASSERT_TRUE(reply) << at;
    EXPECT_EQ(reply->correlation_id(), env.correlation_id());
    EXPECT_TRUE(reply->reply().has_ok()) << at << ": " << error_message(*reply);
  }
}

TEST_F(MeshGatewayTest, StoppedGatewayIsReportedNotAliveAndAliveAgainAfterRestart) {
  gateways_[2]->stop();
  const auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return !node_seen_by(0, "room-c")->alive && !node_seen_by(1, "room-c")->alive; },
                         milliseconds(3000)));
  const auto detect = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - stopped_at);
  EXPECT_LE(detect.count(), kInterval.count() * kLiveness + 50) << "detected after " << detect.count() << " ms";

  TestClient client(ctx_, gateways_[0]->control_endpoint());
  const auto id = client.send_status("room-c/mixer");
  auto reply = client.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
  ASSERT_TRUE(reply->reply().has_error());
  EXPECT_EQ(reply->reply().error().code(), crowdmesh::v1::ERROR_CODE_TIMEOUT);
  EXPECT_NE(reply->reply().error().message().find("node room-c is not alive (last heard 0."), std::string::npos)
      << reply->reply().error().message();

  gateways_[2].reset();
  ASSERT_TRUE(start_node(2)) << last_error_;
  const auto restarted_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return node_seen_by(0, "room-c")->alive && node_seen_by(1, "room-c")->alive; },
                         milliseconds(3000)));
  const auto back = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - restarted_at);
  std::printf("peer down detected after %lld ms, back up after %lld ms\n", static_cast<long long>(detect.count()),
              static_cast<long long>(back.count()));
  EXPECT_LE(back.count(), 1000);

  bool answered = wait_until(
      [&] {
        const auto again = client.send_status("room-c/mixer");
        auto r = client.recv();
        return r && r->correlation_id() == again && r->reply().has_ok();
      },
      milliseconds(2000));
  EXPECT_TRUE(answered) << "room-c did not answer a forwarded command after its restart";
}

TEST_F(MeshGatewayTest, GetNodesListsAllThree) {
  // A peer counts as alive from any message (a clock probe's answer can come
  // first); its roles come with its heartbeats: wait for one from each.
  const std::vector<std::string> heartbeat_roles{"mixer", "device"};
  ASSERT_TRUE(wait_until(
      [&] {
        for (const char* name : {"room-a", "room-c"}) {
          const auto n = node_seen_by(1, name);
          if (!n || n->roles != heartbeat_roles) return false;
        }
        return true;
      },
      milliseconds(3000)))
      << "room-b heard no heartbeat with the peers' roles within 3 s";
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  const auto id = client.send("room-b/gateway", [](auto& c) { c.mutable_get_nodes(); });
  auto reply = client.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
  EXPECT_EQ(reply->source(), "room-b/gateway");
  ASSERT_TRUE(reply->reply().ok().has_nodes()) << error_message(*reply);
  const auto& nodes = reply->reply().ok().nodes().nodes();
  ASSERT_EQ(nodes.size(), 3);
  std::set<std::string> names;
  for (const auto& n : nodes) {
    names.insert(n.name());
    EXPECT_TRUE(n.alive()) << n.name();
    EXPECT_EQ(n.self(), n.name() == "room-b") << n.name();
    EXPECT_GE(n.last_heartbeat_age_ms(), 0) << n.name();
    EXPECT_LE(n.last_heartbeat_age_ms(), kInterval.count() * kLiveness) << n.name();
    EXPECT_EQ(std::vector<std::string>(n.roles().begin(), n.roles().end()),
              (std::vector<std::string>{"mixer", "device"}))
        << n.name();
    EXPECT_EQ(n.control_endpoint().rfind("tcp://127.0.0.1:", 0), 0u) << n.name();
  }
  EXPECT_EQ(names, (std::set<std::string>{"room-a", "room-b", "room-c"}));
  EXPECT_EQ(handled_count_.load(), 0) << "GetNodes must be answered by the gateway";
}

TEST_F(MeshGatewayTest, ClockOffsetBetweenGatewaysIsWithinOneMillisecond) {
  ASSERT_TRUE(
      wait_until([&] { return gateways_[1]->stats().clock_samples >= 8 && gateways_[2]->stats().clock_samples >= 8; },
                 milliseconds(3000)));
  EXPECT_EQ(gateways_[0]->clock_offset_ns(), 0);
  for (int i = 1; i < 3; ++i) {
    const auto offset = gateways_[i]->clock_offset_ns();
    std::printf("%s clock offset %lld ns, rtt %.3f ms\n", kNames[i], static_cast<long long>(offset),
                gateways_[i]->nodes()[0].clock_rtt_ms);
    EXPECT_LE(std::abs(offset), 1'000'000) << kNames[i];
    const auto ref = gateways_[0]->mesh_time_ns();
    const auto mine = gateways_[i]->mesh_time_ns();
    EXPECT_LE(std::abs(mine - ref), 1'000'000) << kNames[i];
    EXPECT_GT(gateways_[i]->nodes()[0].clock_rtt_ms, 0.0) << kNames[i];
  }
}

TEST_F(MeshGatewayTest, ClockLocksToTheReferenceAndIsReportedInStatsAndHeartbeats) {
  // All three gateways read the same raw clock: the true offset and skew are 0.
  ASSERT_TRUE(wait_until([&] { return gateways_[1]->clock_stats().locked && gateways_[2]->clock_stats().locked; },
                         milliseconds(5000)));
  const auto ref = gateways_[0]->clock_stats();
  EXPECT_TRUE(ref.is_reference);
  EXPECT_TRUE(ref.locked);
  EXPECT_EQ(ref.reference, "room-a");
  EXPECT_EQ(ref.offset_ns, 0);
  EXPECT_EQ(ref.estimated_error_ns, 0);
  for (int i = 1; i < 3; ++i) {
    const auto c = gateways_[i]->clock_stats();
    std::printf("%s locked: offset %lld ns, skew %.3f ppm, error %lld ns, rtt %lld ns, %zu probes\n", kNames[i],
                static_cast<long long>(c.offset_ns), c.skew_ppm, static_cast<long long>(c.estimated_error_ns),
                static_cast<long long>(c.rtt_ns), c.probes_used);
    EXPECT_FALSE(c.is_reference) << kNames[i];
    EXPECT_EQ(c.reference, "room-a") << kNames[i];
    EXPECT_LE(std::abs(c.offset_ns), 1'000'000) << kNames[i];
    EXPECT_LE(std::abs(c.skew_ppm), 500.0) << kNames[i];
    EXPECT_GE(c.estimated_error_ns, 0) << kNames[i];
    EXPECT_GT(c.rtt_ns, 0) << kNames[i];
    EXPECT_GE(c.probes_used, 8u) << kNames[i];
    EXPECT_EQ(c.steps, 0u) << kNames[i];
    EXPECT_EQ(c.relocks, 0u) << kNames[i];
  }
  // room-c writes the MeshTimeSource it was given.
  EXPECT_EQ(gateways_[2]->mesh_time().get(), room_c_time_.get());
  EXPECT_GT(room_c_time_->segment().local_anchor_ns, 0);
  EXPECT_LE(std::abs(room_c_time_->now_ns() - gateways_[0]->mesh_time_ns()), 1'000'000);
  // Heartbeats carry the lock state and skew to the other nodes.
  ASSERT_TRUE(wait_until(
      [&] {
        const auto b = node_seen_by(0, "room-b");
        return b && b->clock_locked && b->clock_error_ns >= 0;
      },
      milliseconds(3000)));
  const auto a = node_seen_by(1, "room-a");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->clock_locked);
  EXPECT_EQ(a->clock_error_ns, 0);
}

TEST_F(MeshGatewayTest, ClockProbeIsAnsweredWithTheReferenceTimes) {
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  Envelope probe;
  probe.set_protocol_version(1);
  probe.set_source("ctl-test/clock");
  probe.set_target("room-a/clock");
  probe.set_correlation_id(5);
  const auto t1 = monotonic_now_ns();
  probe.mutable_clock_probe()->set_t1_ns(t1);
  probe.mutable_clock_probe()->set_sequence(1);
  client.send_envelope(probe);
  auto answer = client.recv();
  const auto t4 = monotonic_now_ns();
  ASSERT_TRUE(answer);
  ASSERT_TRUE(answer->has_clock_probe());
  EXPECT_EQ(answer->correlation_id(), 5u);
  EXPECT_EQ(answer->source(), "room-a/clock");
  EXPECT_EQ(answer->clock_probe().t1_ns(), t1);
  EXPECT_GE(answer->clock_probe().t2_ns(), t1);
  EXPECT_GE(answer->clock_probe().t3_ns(), answer->clock_probe().t2_ns());
  EXPECT_LE(answer->clock_probe().t3_ns(), t4);
}

TEST_F(MeshGatewayTest, ForwardedCommandTimesOutWhenThePeerDoesNotAnswer) {
  mode_ = Mode::kHold;
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  const auto id = client.send_status("room-c/mixer");
  auto reply = client.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
  EXPECT_EQ(reply->source(), "room-c/mixer");
  ASSERT_TRUE(reply->reply().has_error());
  EXPECT_EQ(reply->reply().error().code(), crowdmesh::v1::ERROR_CODE_TIMEOUT);
  EXPECT_EQ(reply->reply().error().message(), "node room-c did not answer within 300 ms");
  EXPECT_EQ(gateways_[0]->stats().timeouts, 1u);

  // The late answer is dropped by room-a, not delivered as a second reply.
  {
    std::lock_guard<std::mutex> lock(held_mutex_);
    ASSERT_EQ(held_.size(), 1u);
    Reply ok;
    ok.mutable_ok();
    held_[0](ok);
  }
  EXPECT_TRUE(wait_until([&] { return gateways_[0]->stats().late_replies == 1; }, milliseconds(2000)));
  EXPECT_FALSE(client.recv(milliseconds(100)));
}

TEST_F(MeshGatewayTest, ResponderAnswersOnceFromAnotherThread) {
  mode_ = Mode::kAnswerLater;
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  const auto id = client.send_status("room-b/mixer");
  auto reply = client.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
  EXPECT_TRUE(reply->reply().has_ok()) << error_message(*reply);
  EXPECT_FALSE(client.recv(milliseconds(200))) << "second respond() call was not ignored";
}

TEST_F(MeshGatewayTest, DroppedResponderGetsAnInternalError) {
  mode_ = Mode::kDrop;
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  const auto id = client.send_status("room-a/mixer");
  auto reply = client.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
  ASSERT_TRUE(reply->reply().has_error());
  EXPECT_EQ(reply->reply().error().code(), crowdmesh::v1::ERROR_CODE_INTERNAL);
  EXPECT_EQ(reply->reply().error().message(), "the room-a/mixer actor dropped the command without replying");
}

TEST_F(MeshGatewayTest, ThrowingHandlerGetsAnInternalErrorNamingTheException) {
  mode_ = Mode::kThrow;
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  const auto id = client.send_status("room-a/mixer");
  auto reply = client.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->correlation_id(), id);
  ASSERT_TRUE(reply->reply().has_error());
  EXPECT_EQ(reply->reply().error().code(), crowdmesh::v1::ERROR_CODE_INTERNAL);
  EXPECT_NE(reply->reply().error().message().find("deck table corrupted"), std::string::npos);
  EXPECT_FALSE(client.recv(milliseconds(100))) << "more than one reply";
}

TEST_F(MeshGatewayTest, PublishedEventReachesSubscribersAndPeers) {
  zmq::socket_t sub(ctx_, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::subscribe, "evt.room-a.mixer");
  sub.connect(gateways_[0]->events_endpoint());
  bool got = false;
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(3000);
  while (!got && std::chrono::steady_clock::now() < deadline) {
    Envelope env;
    env.set_source("room-a/mixer");
    env.mutable_event()->set_kind("buffer.ready");
    gateways_[0]->publish("evt.room-a.mixer", env);
    std::vector<zmq::pollitem_t> items = {{sub.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, milliseconds(50));
    if (items[0].revents & ZMQ_POLLIN) {
      std::vector<zmq::message_t> parts;
      ASSERT_TRUE(zmq::recv_multipart(sub, std::back_inserter(parts)));
      ASSERT_EQ(parts.size(), 2u);
      EXPECT_EQ(parts[0].to_string(), "evt.room-a.mixer");
      Envelope env_in;
      ASSERT_TRUE(env_in.ParseFromArray(parts[1].data(), static_cast<int>(parts[1].size())));
      EXPECT_EQ(env_in.protocol_version(), kProtocolVersion);
      EXPECT_EQ(env_in.event().kind(), "buffer.ready");
      EXPECT_GT(env_in.send_time_ns(), 0);
      got = true;
    }
  }
  EXPECT_TRUE(got) << "no event within 3 s";
  EXPECT_GT(gateways_[0]->stats().published, 0u);
}

TEST_F(MeshGatewayTest, TelemetryIsWatchedOnlyWhileAnOperatorSubscribesHereOrOnAPeer) {
  auto watched = [&](int i) { return gateways_[i]->telemetry_watched(); };
  std::this_thread::sleep_for(milliseconds(300));  // the peers' own subscriptions have arrived
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(watched(i)) << kNames[i] << ": peers alone are not watchers";
  {
    zmq::socket_t top(ctx_, zmq::socket_type::sub);
    top.set(zmq::sockopt::linger, 0);
    top.set(zmq::sockopt::subscribe, "tele.");
    top.connect(gateways_[1]->events_endpoint());
    EXPECT_TRUE(wait_until([&] { return watched(1); }, milliseconds(3000))) << "room-b, watched directly";
    EXPECT_TRUE(wait_until([&] { return watched(0) && watched(2); }, milliseconds(3000)))
        << "room-a and room-c, through room-b's marker";
  }
  EXPECT_TRUE(wait_until([&] { return !watched(0) && !watched(1) && !watched(2); }, milliseconds(3000)))
      << "the operator left: nobody keeps anybody watched";
}

TEST_F(MeshGatewayTest, AGetTelemetryWatchesTheNodeAndItsPeersForThreeSeconds) {
  TestClient client(ctx_, gateways_[2]->control_endpoint());
  client.send("room-c/telemetry", [](auto& c) { c.mutable_get_telemetry(); });
  ASSERT_TRUE(client.recv());
  const auto read_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(gateways_[2]->telemetry_watched());
  EXPECT_TRUE(wait_until([&] { return gateways_[0]->telemetry_watched() && gateways_[1]->telemetry_watched(); },
                         milliseconds(2000)));
  EXPECT_TRUE(wait_until([&] { return !gateways_[2]->telemetry_watched(); }, milliseconds(5000)));
  EXPECT_GE(std::chrono::steady_clock::now() - read_at, milliseconds(2900)) << "held for the 3 s after the read";
  EXPECT_TRUE(wait_until([&] { return !gateways_[0]->telemetry_watched() && !gateways_[1]->telemetry_watched(); },
                         milliseconds(2000)));
}

TEST_F(MeshGatewayTest, StartFailsNamingTheEndpointWhenThePortIsInUse) {
  auto cfg = config(0);
  cfg.node = "room-z";
  cfg.peers.clear();
  cfg.clock_reference.clear();
  auto g = MeshGateway::start(cfg, {});
  ASSERT_FALSE(g);
  EXPECT_EQ(error_code(g.error()), errc::io_error);
  EXPECT_EQ(error_sentence(g.error()), "cannot bind " + endpoint(0, 0) + ": Address already in use");
}

TEST_F(MeshGatewayTest, UnknownClockReferenceIsRejectedListingTheKnownNodes) {
  auto cfg = config(0);
  cfg.control_bind = "tcp://127.0.0.1:*";
  cfg.events_bind = "tcp://127.0.0.1:*";
  cfg.clock_reference = "room-q";
  auto g = MeshGateway::start(cfg, {});
  ASSERT_FALSE(g);
  EXPECT_EQ(error_code(g.error()), errc::value_out_of_range);
  EXPECT_EQ(error_sentence(g.error()), "clock reference 'room-q' is not a known node (known: room-a, room-b, room-c)");
}

TEST_F(MeshGatewayTest, ForwardedRoundTripLatencyIsReported) {
  TestClient client(ctx_, gateways_[0]->control_endpoint());
  constexpr int kRounds = 2000;
  std::vector<std::int64_t> us;
  us.reserve(kRounds);
  for (int i = 0; i < 100; ++i) {  // warm-up
    client.send_status("room-c/mixer");
    ASSERT_TRUE(client.recv());
  }
  for (int i = 0; i < kRounds; ++i) {
    const auto t0 = monotonic_now_ns();
    const auto id = client.send_status("room-c/mixer");
    auto reply = client.recv();
    const auto t1 = monotonic_now_ns();
    ASSERT_TRUE(reply) << "round trip " << i << " got no reply";
    ASSERT_EQ(reply->correlation_id(), id);
    us.push_back((t1 - t0) / 1000);
  }
  std::sort(us.begin(), us.end());
  std::printf(
      "forwarded round trip (client -> room-a -> room-c -> room-a -> client), %d rounds: "
      "p50 %lld us, p99 %lld us, max %lld us\n",
      kRounds, static_cast<long long>(us[kRounds / 2]), static_cast<long long>(us[kRounds * 99 / 100]),
      static_cast<long long>(us.back()));
  EXPECT_EQ(us.size(), static_cast<std::size_t>(kRounds));
}

}  // namespace
}  // namespace crowdmesh::mesh
