#include "osc/osc_bridge.hpp"
#include "osc/reply_budget.hpp"

#include <gtest/gtest.h>
#include <lo/lo.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::osc {
namespace {

using namespace std::chrono_literals;

struct ReplyMsg {
  std::string address;
  std::string status;
  std::string text;
};

/// A liblo client with its own server port; collects /reply messages.
class OscClient {
 public:
  explicit OscClient(int bridge_port) {
    server_ = lo_server_new(nullptr, nullptr);
    lo_server_add_method(server_, "/reply", "sss", &OscClient::on_reply, this);
    target_ = lo_address_new("127.0.0.1", std::to_string(bridge_port).c_str());
  }
  ~OscClient() {
    lo_address_free(target_);
    lo_server_free(server_);
  }

  void send(const std::string& path, lo_message m) {
    ASSERT_GE(lo_send_message_from(target_, server_, path.c_str(), m), 0);
    lo_message_free(m);
  }

  void send_raw(const void* data, std::size_t size) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(lo_address_get_port_int()));
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    ASSERT_GE(::sendto(lo_server_get_socket_fd(server_), data, size, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)),
              0);
  }

  lo_server server() { return server_; }
  lo_address target() { return target_; }

  /// Waits (at most `timeout`) for the next /reply.
  std::optional<ReplyMsg> next_reply(std::chrono::milliseconds timeout = 2000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (replies_.empty()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      lo_server_recv_noblock(server_, static_cast<int>(left.count()));
    }
    ReplyMsg r = replies_.front();
    replies_.erase(replies_.begin());
    return r;
  }

 private:
  int lo_address_get_port_int() { return std::stoi(lo_address_get_port(target_)); }

  static int on_reply(const char*, const char*, lo_arg** argv, int, lo_message, void* self) {
    // liblo's argument pointers are 4-byte aligned, union lo_arg wants 8: use the bytes.
    auto text = [argv](int i) { return std::string(reinterpret_cast<const char*>(argv[i])); };
    static_cast<OscClient*>(self)->replies_.push_back(ReplyMsg{text(0), text(1), text(2)});
    return 0;
  }

  lo_server server_ = nullptr;
  lo_address target_ = nullptr;
  std::vector<ReplyMsg> replies_;
};

lo_message msg_is(int i, const char* s) {
  lo_message m = lo_message_new();
  lo_message_add_int32(m, i);
  lo_message_add_string(m, s);
  return m;
}

lo_message msg_s(const char* s) {
  lo_message m = lo_message_new();
  lo_message_add_string(m, s);
  return m;
}

/// A dispatch that records what it got and answers ok "loaded" at once.
struct RecordingDispatch {
  std::mutex mutex;
  std::vector<MappedMessage> got;
  OscBridge::Dispatch fn() {
    return [this](MappedMessage m, OscBridge::Reply reply) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        got.push_back(std::move(m));
      }
      reply(true, "loaded");
    };
  }
};

std::unique_ptr<OscBridge> start_bridge(OscBridge::Dispatch dispatch) {
  auto bridge = OscBridge::start(OscBridgeConfig{{0}, "127.0.0.1"}, std::move(dispatch));
  EXPECT_TRUE(bridge) << (bridge ? "" : error_sentence(bridge.error()));
  return bridge ? std::move(*bridge) : nullptr;
}

TEST(OscBridgeTest, RepliesOkAfterDispatchAndErrorForGarbageAndKeepsAnswering) {
  RecordingDispatch dispatch;
  auto bridge = start_bridge(dispatch.fn());
  ASSERT_TRUE(bridge);
  ASSERT_EQ(bridge->ports().size(), 1u);
  ASSERT_GT(bridge->ports()[0], 0);
  OscClient client(bridge->ports()[0]);

  client.send("/load_buffer", msg_is(100, "/tmp/x.wav"));
  auto r = client.next_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/load_buffer");
  EXPECT_EQ(r->status, "ok");
  EXPECT_EQ(r->text, "loaded");
  {
    std::lock_guard<std::mutex> lock(dispatch.mutex);
    ASSERT_EQ(dispatch.got.size(), 1u);
    EXPECT_EQ(dispatch.got[0].actor, "mixer");
    EXPECT_EQ(dispatch.got[0].command.load_buffer().buffer_id(), 100u);
    EXPECT_EQ(dispatch.got[0].command.load_buffer().path(), "/tmp/x.wav");
  }

  client.send("/stem_volume", msg_s("x"));
  r = client.next_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/stem_volume");
  EXPECT_EQ(r->status, "error");
  EXPECT_EQ(r->text, "/stem_volume expects (i buffer_id, f volume), got (s)");

  client.send("/stem_volume", msg_s("y"));  // counted again, logged once
  ASSERT_TRUE(client.next_reply());

  client.send("/load_buffer", msg_is(1100, "/tmp/y.wav"));
  r = client.next_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "ok");

  const auto stats = bridge->stats();
  EXPECT_EQ(stats.received, 4u);
  EXPECT_EQ(stats.mapped, 2u);
  EXPECT_EQ(stats.malformed, 2u);
  EXPECT_EQ(stats.replies_sent, 4u);
  EXPECT_EQ(stats.replies_dropped, 0u);
  ASSERT_EQ(stats.malformed_by_address.count("/stem_volume"), 1u);
  EXPECT_EQ(stats.malformed_by_address.at("/stem_volume"), 2u);
}

TEST(OscBridgeTest, UnknownAddressAndUndecodablePacketGetErrorReplies) {
  RecordingDispatch dispatch;
  auto bridge = start_bridge(dispatch.fn());
  ASSERT_TRUE(bridge);
  OscClient client(bridge->ports()[0]);

  client.send("/foo", lo_message_new());
  auto r = client.next_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/foo");
  EXPECT_EQ(r->status, "error");
  EXPECT_EQ(r->text, "unknown OSC address '/foo'");

  const char garbage[] = "not an OSC packet at all";
  client.send_raw(garbage, sizeof(garbage));
  r = client.next_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "error");
  EXPECT_NE(r->text.find("malformed OSC packet"), std::string::npos) << r->text;

  client.send("/get_status", lo_message_new());
  r = client.next_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "ok");

  const auto stats = bridge->stats();
  EXPECT_EQ(stats.received, 3u);
  EXPECT_EQ(stats.malformed, 2u);
  EXPECT_EQ(stats.mapped, 1u);
  EXPECT_EQ(stats.malformed_by_address.at("/foo"), 1u);
}

TEST(OscBridgeTest, AFloodOfMessagesDrawsNoMoreRepliesThanTheBudget) {
  RecordingDispatch dispatch;
  auto bridge = start_bridge(dispatch.fn());
  ASSERT_TRUE(bridge);
  OscClient client(bridge->ports()[0]);
  // Garbage is answered without dispatch: the cheapest way to ask for replies
  // (a forged sender would turn them on a victim).
  const char garbage[] = "not an OSC packet at all";
  const int sent = 2000;
  const auto t0 = std::chrono::steady_clock::now();
  for (int batch = 0; batch < sent / 100; ++batch) {
    for (int i = 0; i < 100; ++i) client.send_raw(garbage, sizeof(garbage));
    // In batches the socket buffer holds: every datagram reaches the bridge.
    const auto want = static_cast<std::uint64_t>((batch + 1) * 100);
    for (int i = 0; i < 500 && bridge->stats().received < want; ++i) std::this_thread::sleep_for(1ms);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto stats = bridge->stats();
  ASSERT_EQ(stats.received, static_cast<std::uint64_t>(sent));
  EXPECT_LE(static_cast<double>(stats.replies_sent), kReplyBurst + kRepliesPerSecond * seconds + 1) << seconds << " s";
  EXPECT_GE(stats.replies_sent, static_cast<std::uint64_t>(kReplyBurst) / 2) << "normal traffic is still answered";
  EXPECT_EQ(stats.replies_sent + stats.replies_limited + stats.replies_dropped, static_cast<std::uint64_t>(sent));
  EXPECT_GT(stats.replies_limited, 0u);
}

TEST(ReplyBudgetTest, SpendsTheBurstThenRefillsAtTheRate) {
  ReplyBudget budget(100, 10);
  std::int64_t t = 1'000'000'000;
  int granted = 0;
  for (int i = 0; i < 50; ++i) granted += budget.take(t) ? 1 : 0;
  EXPECT_EQ(granted, 10);
  t += 100'000'000;  // 100 ms at 100/s: 10 more
  granted = 0;
  for (int i = 0; i < 50; ++i) granted += budget.take(t) ? 1 : 0;
  EXPECT_EQ(granted, 10);
  t += 10'000'000'000;  // a long quiet time refills only up to the burst
  granted = 0;
  for (int i = 0; i < 50; ++i) granted += budget.take(t) ? 1 : 0;
  EXPECT_EQ(granted, 10);
}

TEST(OscBridgeTest, BundleElementsEachGetAReply) {
  RecordingDispatch dispatch;
  auto bridge = start_bridge(dispatch.fn());
  ASSERT_TRUE(bridge);
  OscClient client(bridge->ports()[0]);

  lo_bundle bundle = lo_bundle_new(LO_TT_IMMEDIATE);
  lo_message a = msg_is(100, "/tmp/a.wav");
  lo_message b = lo_message_new();
  lo_message_add_float(b, 0.3f);
  lo_bundle_add_message(bundle, "/load_buffer", a);
  lo_bundle_add_message(bundle, "/dance/total_movement", b);
  ASSERT_GE(lo_send_bundle_from(client.target(), client.server(), bundle), 0);
  lo_bundle_free_recursive(bundle);

  auto first = client.next_reply();
  auto second = client.next_reply();
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->address, "/load_buffer");
  EXPECT_EQ(second->address, "/dance/total_movement");
  EXPECT_EQ(bridge->stats().received, 2u);
  std::lock_guard<std::mutex> lock(dispatch.mutex);
  ASSERT_EQ(dispatch.got.size(), 2u);
  EXPECT_EQ(dispatch.got[1].actor, "tempo");
}

TEST(OscBridgeTest, ReplyCalledLaterFromAnotherThreadReachesTheSender) {
  std::mutex mutex;
  std::vector<OscBridge::Reply> pending;
  auto bridge = start_bridge([&](MappedMessage, OscBridge::Reply reply) {
    std::lock_guard<std::mutex> lock(mutex);
    pending.push_back(std::move(reply));
  });
  ASSERT_TRUE(bridge);
  OscClient client(bridge->ports()[0]);
  client.send("/dance/person_count", [] {
    lo_message m = lo_message_new();
    lo_message_add_int32(m, 4);
    return m;
  }());
  EXPECT_FALSE(client.next_reply(100ms));  // nothing until the node answers

  const auto deadline = std::chrono::steady_clock::now() + 2s;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!pending.empty()) break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  std::thread([&] { pending[0](false, "node room2 did not answer within 1 s"); }).join();
  auto r = client.next_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, "/dance/person_count");
  EXPECT_EQ(r->status, "error");
  EXPECT_EQ(r->text, "node room2 did not answer within 1 s");

  pending[0](true, "twice");  // a second answer is dropped
  EXPECT_FALSE(client.next_reply(100ms));
  EXPECT_EQ(bridge->stats().replies_dropped, 1u);

  bridge->stop();
  EXPECT_EQ(bridge->stats().replies_sent, 1u);
}

TEST(OscBridgeTest, ReplyAfterStopIsDroppedAndCounted) {
  std::mutex mutex;
  std::vector<OscBridge::Reply> pending;
  auto bridge = start_bridge([&](MappedMessage, OscBridge::Reply reply) {
    std::lock_guard<std::mutex> lock(mutex);
    pending.push_back(std::move(reply));
  });
  ASSERT_TRUE(bridge);
  OscClient client(bridge->ports()[0]);
  client.send("/get_status", lo_message_new());
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!pending.empty()) break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  bridge->stop();
  pending[0](true, "late");
  EXPECT_EQ(bridge->stats().replies_dropped, 1u);
  EXPECT_EQ(bridge->stats().replies_sent, 0u);
  bridge.reset();
  pending[0](true, "after destruction");  // must not crash
}

/// A dispatch that keeps every Reply without calling it (a node that has not
/// answered yet).
struct HoldingDispatch {
  std::mutex mutex;
  std::vector<OscBridge::Reply> pending;
  OscBridge::Dispatch fn() {
    return [this](MappedMessage, OscBridge::Reply reply) {
      std::lock_guard<std::mutex> lock(mutex);
      pending.push_back(std::move(reply));
    };
  }
  std::size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return pending.size();
  }
};

/// Sends one bundle of `n` /get_status messages.
void send_status_bundle(OscClient& client, int n) {
  lo_bundle bundle = lo_bundle_new(LO_TT_IMMEDIATE);
  for (int i = 0; i < n; ++i) lo_bundle_add_message(bundle, "/get_status", lo_message_new());
  ASSERT_GE(lo_send_bundle_from(client.target(), client.server(), bundle), 0);
  lo_bundle_free_recursive(bundle);
}

void wait_for_received(OscBridge& bridge, std::uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (bridge.stats().received < n && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(bridge.stats().received, n);
}

TEST(OscBridgeTest, ABundleFloodPutsAtMostTheCapOfCommandsInFlight) {
  HoldingDispatch dispatch;
  auto bridge = start_bridge(dispatch.fn());
  ASSERT_TRUE(bridge);
  OscClient client(bridge->ports()[0]);
  const int extra = 44;
  send_status_bundle(client, static_cast<int>(kMaxCommandsInFlight) + extra);
  wait_for_received(*bridge, kMaxCommandsInFlight + extra);
  EXPECT_EQ(dispatch.count(), kMaxCommandsInFlight);
  EXPECT_EQ(bridge->stats().refused_busy, static_cast<std::uint64_t>(extra));
  auto r = client.next_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "error");
  EXPECT_NE(r->text.find("busy: 256 OSC commands"), std::string::npos) << r->text;
}

TEST(OscBridgeTest, AnsweredOrDroppedRepliesFreeTheirSlots) {
  HoldingDispatch dispatch;
  auto bridge = start_bridge(dispatch.fn());
  ASSERT_TRUE(bridge);
  OscClient client(bridge->ports()[0]);
  send_status_bundle(client, static_cast<int>(kMaxCommandsInFlight));
  wait_for_received(*bridge, kMaxCommandsInFlight);
  {
    std::lock_guard<std::mutex> lock(dispatch.mutex);
    ASSERT_EQ(dispatch.pending.size(), kMaxCommandsInFlight);
    dispatch.pending[0](true, "answered");         // a reply frees its slot
    dispatch.pending.erase(dispatch.pending.begin() + 1);  // so does a Reply lost uncalled
  }
  send_status_bundle(client, 3);
  wait_for_received(*bridge, kMaxCommandsInFlight + 3);
  EXPECT_EQ(dispatch.count(), kMaxCommandsInFlight - 1 + 2);
  EXPECT_EQ(bridge->stats().refused_busy, 1u);
}

TEST(OscBridgeTest, DispatchThatThrowsIsAnsweredAsAnError) {
  auto bridge = start_bridge([](MappedMessage, OscBridge::Reply) { throw std::runtime_error("mesh down"); });
  ASSERT_TRUE(bridge);
  OscClient client(bridge->ports()[0]);
  client.send("/reset", lo_message_new());
  auto r = client.next_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "error");
  EXPECT_EQ(r->text, "internal error while dispatching /reset: mesh down");
}

TEST(OscBridgeTest, BindFailureNamesTheAddressAndPort) {
  RecordingDispatch dispatch;
  auto first = start_bridge(dispatch.fn());
  ASSERT_TRUE(first);
  const int port = first->ports()[0];
  auto second = OscBridge::start(OscBridgeConfig{{port}, "127.0.0.1"}, dispatch.fn());
  ASSERT_FALSE(second);
  EXPECT_EQ(error_code(second.error()), errc::io_error);
  const auto sentence = error_sentence(second.error());
  EXPECT_NE(sentence.find("'127.0.0.1' port " + std::to_string(port)), std::string::npos) << sentence;

  auto bad = OscBridge::start(OscBridgeConfig{{0}, "999.1.2.3"}, dispatch.fn());
  ASSERT_FALSE(bad);
  EXPECT_EQ(error_code(bad.error()), errc::io_error);
  EXPECT_NE(error_sentence(bad.error()).find("999.1.2.3"), std::string::npos);

  auto out_of_range = OscBridge::start(OscBridgeConfig{{70000}, "127.0.0.1"}, dispatch.fn());
  ASSERT_FALSE(out_of_range);
  EXPECT_EQ(error_code(out_of_range.error()), errc::value_out_of_range);
}

TEST(OscBridgeTest, ListensOnEveryConfiguredPort) {
  RecordingDispatch dispatch;
  auto bridge = OscBridge::start(OscBridgeConfig{{0, 0}, "127.0.0.1"}, dispatch.fn());
  ASSERT_TRUE(bridge);
  const auto ports = (*bridge)->ports();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_NE(ports[0], ports[1]);
  for (int port : ports) {
    OscClient client(port);
    client.send("/set_tempo", [] {
      lo_message m = lo_message_new();
      lo_message_add_float(m, 122.0f);
      return m;
    }());
    auto r = client.next_reply();
    ASSERT_TRUE(r) << port;
    EXPECT_EQ(r->status, "ok");
  }
}

}  // namespace
}  // namespace crowdmesh::osc
