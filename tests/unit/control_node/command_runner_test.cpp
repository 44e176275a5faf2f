#include "control_node/command_runner.hpp"

#include <gtest/gtest.h>
#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "control_node/command_line.hpp"
#include "fake_gateway.hpp"

namespace crowdmesh::control {
namespace {

using test::FakeGateway;

constexpr std::int64_t kNodeMeshTimeNs = 5'000'000'000;

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

RunResult run(std::vector<std::string> args) {
  auto request = CommandLine::parse(args, "test-ctl1/cli", 1000);
  EXPECT_TRUE(request) << (request ? "" : error_sentence(request.error()));
  if (!request) return {};
  mesh::MeshClient client;
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  CommandRunner runner{client, out, err};
  RunResult result;
  result.status = runner.run(std::move(*request), stop);
  result.out = out.str();
  result.err = err.str();
  return result;
}

v1::Reply nodes_reply(int alive) {
  v1::Reply reply;
  auto* nodes = reply.mutable_ok()->mutable_nodes();
  for (int i = 0; i < alive; ++i) {
    auto* node = nodes->add_nodes();
    node->set_name("room-" + std::to_string(i));
    node->set_alive(true);
  }
  return reply;
}

v1::Reply ok_reply() {
  v1::Reply reply;
  reply.mutable_ok()->set_message("done");
  return reply;
}

TEST(CommandRunnerTest, ExecuteAtAfterAddsHalfTheRoundTripAndTheDelay) {
  EXPECT_EQ(CommandRunner::execute_at_after(1'000, 400, 2.0), 1'000 + 200 + 2'000'000'000);
  EXPECT_EQ(CommandRunner::execute_at_after(1'000, -50, 0.5), 1'000 + 500'000'000);
}

TEST(CommandRunnerTest, StartInUsesTheNodesMeshTimeFromAGetNodesReply) {
  std::atomic<std::int64_t> execute_at{-1};
  std::atomic<bool> asked_gateway{false};
  FakeGateway gateway{[&](const v1::Envelope& request) -> std::vector<v1::Envelope> {
    if (request.command().has_get_nodes()) {
      asked_gateway = request.target() == "room-b/gateway";
      v1::Envelope reply = FakeGateway::reply_to(request, "room-b", nodes_reply(1));
      reply.set_send_time_ns(kNodeMeshTimeNs);
      return {reply};
    }
    execute_at = request.has_execute_at_ns() ? request.execute_at_ns() : 0;
    return {FakeGateway::reply_to(request, "room-b", ok_reply())};
  }};
  const RunResult result = run({"--connect", gateway.endpoint(), "--to", "room-b", "start", "A", "B", "--in", "2"});
  EXPECT_EQ(result.status, kExitOk) << result.err;
  EXPECT_TRUE(asked_gateway.load());
  EXPECT_GE(execute_at.load(), kNodeMeshTimeNs + 2'000'000'000);
  EXPECT_LT(execute_at.load(), kNodeMeshTimeNs + 3'000'000'000);  // + half a round trip
}

TEST(CommandRunnerTest, BroadcastPrintsOneJsonLinePerAliveNode) {
  FakeGateway gateway{[](const v1::Envelope& request) {
    if (request.command().has_get_nodes())
      return std::vector<v1::Envelope>{FakeGateway::reply_to(request, "room-0", nodes_reply(3))};
    std::vector<v1::Envelope> replies;
    for (const char* node : {"room-0", "room-1", "room-2"})
      replies.push_back(FakeGateway::reply_to(request, node, ok_reply()));
    return replies;
  }};
  const auto start = std::chrono::steady_clock::now();
  const RunResult result =
      run({"--connect", gateway.endpoint(), "--to", "*", "--json", "--timeout", "5000", "stop", "A"});
  EXPECT_EQ(result.status, kExitOk) << result.err;
  EXPECT_EQ(result.out, R"({"node":"room-0","reply":{"ok":{"message":"done"}}})"
                        "\n"
                        R"({"node":"room-1","reply":{"ok":{"message":"done"}}})"
                        "\n"
                        R"({"node":"room-2","reply":{"ok":{"message":"done"}}})"
                        "\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds{4000});
}

TEST(CommandRunnerTest, ErrorReplyExitsOneWithTheSentenceOnStderr) {
  FakeGateway gateway{[](const v1::Envelope& request) {
    v1::Reply reply;
    reply.mutable_error()->set_code(v1::ERROR_CODE_NOT_READY);
    reply.mutable_error()->set_message("deck A is still loading");
    return std::vector<v1::Envelope>{FakeGateway::reply_to(request, "room-c", reply)};
  }};
  const RunResult result = run({"--connect", gateway.endpoint(), "play", "A"});
  EXPECT_EQ(result.status, kExitErrorReply);
  EXPECT_EQ(result.err, "room-c: deck A is still loading\n");
  EXPECT_EQ(result.out, "");
}

TEST(CommandRunnerTest, OkReplyPrintsTextAndExitsZero) {
  FakeGateway gateway{[](const v1::Envelope& request) {
    return std::vector<v1::Envelope>{FakeGateway::reply_to(request, "room-c", ok_reply())};
  }};
  const RunResult result = run({"--connect", gateway.endpoint(), "master", "-3"});
  EXPECT_EQ(result.status, kExitOk);
  EXPECT_EQ(result.out, "room-c: ok — done\n");
}

TEST(CommandRunnerTest, NoReplyExitsThree) {
  FakeGateway gateway{[](const v1::Envelope&) { return std::vector<v1::Envelope>{}; }};
  const RunResult result = run({"--connect", gateway.endpoint(), "--timeout", "150", "status"});
  EXPECT_EQ(result.status, kExitTimeout);
  EXPECT_EQ(result.err, "control_node: no reply from " + gateway.endpoint() +
                            " within 150 ms (is audio_node running? see control_node nodes)\n");
}

TEST(CommandRunnerTest, WatchPrintsEnvelopesAsJsonLinesUpToCount) {
  zmq::context_t context{1};
  zmq::socket_t pub{context, zmq::socket_type::pub};
  pub.set(zmq::sockopt::linger, 0);
  pub.bind("tcp://127.0.0.1:*");
  const std::string endpoint = pub.get(zmq::sockopt::last_endpoint);
  std::atomic<bool> done{false};
  // Publishes until the subscriber has its message (PUB drops before SUB joins).
  std::thread publisher{[&] {
    v1::Envelope event;
    event.set_protocol_version(1);
    event.set_source("room-a/mixer");
    event.mutable_event()->set_kind("heartbeat");
    const std::string payload = event.SerializeAsString();
    while (!done.load()) {
      pub.send(zmq::str_buffer("evt.room-a.mixer"), zmq::send_flags::sndmore);
      pub.send(zmq::buffer(payload), zmq::send_flags::none);
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
  }};
  const RunResult result = run({"--events", endpoint, "watch", "--topic", "evt.", "--count", "2"});
  done = true;
  publisher.join();
  EXPECT_EQ(result.status, kExitOk) << result.err;
  const std::string line = R"({"protocol_version":1,"source":"room-a/mixer","target":"","correlation_id":"0",)"
                           R"("send_time_ns":"0","event":{"kind":"heartbeat","text":"","fields":{}}})";
  EXPECT_EQ(result.out, line + "\n" + line + "\n");
}

}  // namespace
}  // namespace crowdmesh::control
