#include "mesh/mesh_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/error.hpp"
#include "control_node/command_line.hpp"
#include "fake_gateway.hpp"

namespace crowdmesh::control {
namespace {

using std::chrono::milliseconds;
using test::FakeGateway;

v1::Reply status_reply(const std::string& node) {
  v1::Reply reply;
  reply.mutable_ok()->mutable_status()->set_node(node);
  return reply;
}

v1::Envelope status_request(std::uint64_t id, const std::string& to = "") {
  std::vector<std::string> args{"status"};
  if (!to.empty()) args = {"--to", to, "status"};
  auto request = CommandLine::parse(args, "test-ctl1/cli", id);
  EXPECT_TRUE(request);
  return request->envelope;
}

TEST(MeshClientTest, StatusRequestGetsTheReplyWithTheSameCorrelationId) {
  std::string seen_target;
  std::int64_t seen_send_time = 0;
  FakeGateway gateway{[&](const v1::Envelope& request) -> std::vector<v1::Envelope> {
    seen_target = request.target();
    seen_send_time = request.send_time_ns();
    if (!request.command().has_get_status()) return {};
    return {FakeGateway::reply_to(request, "room-c", status_reply("room-c"))};
  }};
  mesh::MeshClient client;
  ASSERT_TRUE(client.connect(gateway.endpoint()));
  auto reply = client.request(status_request(0xC0FFEE), milliseconds{5000});
  ASSERT_TRUE(reply) << error_sentence(reply.error());
  EXPECT_EQ(reply->correlation_id(), 0xC0FFEEu);
  EXPECT_EQ(reply->reply().ok().status().node(), "room-c");
  EXPECT_EQ(seen_target, "/node");
  EXPECT_GT(seen_send_time, 0);
}

TEST(MeshClientTest, RepliesToOtherCorrelationIdsAreSkipped) {
  FakeGateway gateway{[](const v1::Envelope& request) -> std::vector<v1::Envelope> {
    v1::Envelope late = FakeGateway::reply_to(request, "room-x", status_reply("late"));
    late.set_correlation_id(request.correlation_id() + 100);
    return {late, FakeGateway::reply_to(request, "room-c", status_reply("room-c"))};
  }};
  mesh::MeshClient client;
  ASSERT_TRUE(client.connect(gateway.endpoint()));
  auto reply = client.request(status_request(5), milliseconds{5000});
  ASSERT_TRUE(reply) << error_sentence(reply.error());
  EXPECT_EQ(reply->reply().ok().status().node(), "room-c");
}

TEST(MeshClientTest, SilentServerTimesOutNamingEndpointAndMilliseconds) {
  FakeGateway gateway{[](const v1::Envelope&) { return std::vector<v1::Envelope>{}; }};
  mesh::MeshClient client;
  ASSERT_TRUE(client.connect(gateway.endpoint()));
  auto reply = client.request(status_request(9), milliseconds{200});
  ASSERT_FALSE(reply);
  EXPECT_EQ(error_code(reply.error()), errc::timeout);
  EXPECT_EQ(error_sentence(reply.error()),
            "no reply from " + gateway.endpoint() + " within 200 ms (is audio_node running? see control_node nodes)");
}

TEST(MeshClientTest, BroadcastCollectsOneReplyPerNode) {
  FakeGateway gateway{[](const v1::Envelope& request) {
    std::vector<v1::Envelope> replies;
    for (const char* node : {"room-a", "room-b", "room-c"})
      replies.push_back(FakeGateway::reply_to(request, node, status_reply(node)));
    return replies;
  }};
  mesh::MeshClient client;
  ASSERT_TRUE(client.connect(gateway.endpoint()));
  auto replies = client.request_all(status_request(77, "*"), 3, milliseconds{5000});
  ASSERT_TRUE(replies) << error_sentence(replies.error());
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[0].reply().ok().status().node(), "room-a");
  EXPECT_EQ((*replies)[1].reply().ok().status().node(), "room-b");
  EXPECT_EQ((*replies)[2].reply().ok().status().node(), "room-c");
  for (const auto& reply : *replies) EXPECT_EQ(reply.correlation_id(), 77u);
}

TEST(MeshClientTest, BroadcastWithUnknownCountWaitsForTheTimeout) {
  FakeGateway gateway{[](const v1::Envelope& request) {
    return std::vector<v1::Envelope>{FakeGateway::reply_to(request, "room-a", status_reply("a")),
                                     FakeGateway::reply_to(request, "room-b", status_reply("b"))};
  }};
  mesh::MeshClient client;
  ASSERT_TRUE(client.connect(gateway.endpoint()));
  const auto start = std::chrono::steady_clock::now();
  auto replies = client.request_all(status_request(78, "*"), 0, milliseconds{300});
  ASSERT_TRUE(replies);
  EXPECT_EQ(replies->size(), 2u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds{290});
}

TEST(MeshClientTest, MalformedEndpointIsAnError) {
  mesh::MeshClient client;
  auto connected = client.connect("not-an-endpoint");
  ASSERT_FALSE(connected);
  EXPECT_NE(error_sentence(connected.error()).find("cannot connect to 'not-an-endpoint'"), std::string::npos);
}

}  // namespace
}  // namespace crowdmesh::control
