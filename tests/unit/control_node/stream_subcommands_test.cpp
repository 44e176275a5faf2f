#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "control_node/command_line.hpp"

namespace crowdmesh::control {
namespace {

Request parse_ok(const std::vector<std::string>& args) {
  auto request = CommandLine::parse(args, "ctl/cli", 7);
  EXPECT_TRUE(request) << (request ? "" : error_sentence(request.error()));
  return request ? *request : Request{};
}

std::string parse_error(const std::vector<std::string>& args) {
  auto request = CommandLine::parse(args, "ctl/cli", 7);
  EXPECT_FALSE(request) << "parsed without error";
  return request ? "" : error_sentence(request.error());
}

TEST(StreamSubcommandsTest, PlayStreamNamesTheSourceAndGoesToTheStreamActorOfTheTarget) {
  const Request r = parse_ok({"--to", "room-b", "play-stream", "room-a/master", "--mix-local"});
  ASSERT_TRUE(r.envelope.command().has_play_stream());
  EXPECT_EQ(r.envelope.command().play_stream().source(), "room-a/master");
  EXPECT_TRUE(r.envelope.command().play_stream().mix_local());
  EXPECT_EQ(r.envelope.target(), "room-b/stream");
}

TEST(StreamSubcommandsTest, PlayStreamRefusesAStreamOtherThanMaster) {
  EXPECT_NE(parse_error({"play-stream", "room-a/drums"}).find("'drums' is not a stream"), std::string::npos);
  EXPECT_NE(parse_error({"play-stream", "room-a/master/x"}).find("must be NODE or NODE/master"), std::string::npos);
}

TEST(StreamSubcommandsTest, StopStreamIsAStopStreamCommand) {
  EXPECT_TRUE(parse_ok({"stop-stream"}).envelope.command().has_stop_stream());
}

TEST(StreamSubcommandsTest, SubscribeSplitsHostAndPortAndKeepsTheLease) {
  const Request r = parse_ok({"subscribe-stream", "10.0.0.12:5004", "--lease", "60"});
  const auto& s = r.envelope.command().subscribe_stream();
  EXPECT_EQ(s.host(), "10.0.0.12");
  EXPECT_EQ(s.port(), 5004u);
  EXPECT_EQ(s.lease_seconds(), 60u);
  EXPECT_EQ(s.stream(), "master");
}

TEST(StreamSubcommandsTest, SubscribeRefusesAPortOutOfRangeAndALeaseOutOfRange) {
  EXPECT_NE(parse_error({"subscribe-stream", "10.0.0.12:70000"}).find("port '70000' is out of range; allowed: 1..65535"),
            std::string::npos);
  EXPECT_NE(parse_error({"subscribe-stream", "10.0.0.12"}).find("is not HOST:PORT"), std::string::npos);
  EXPECT_NE(parse_error({"subscribe-stream", "10.0.0.12:5004", "--lease", "0"}).find("allowed: 1..86400 s"),
            std::string::npos);
}

TEST(StreamSubcommandsTest, SdpCarriesTheDestination) {
  const Request r = parse_ok({"sdp", "--destination", "127.0.0.1:5004"});
  EXPECT_EQ(r.envelope.command().get_stream_sdp().destination(), "127.0.0.1:5004");
  EXPECT_EQ(r.envelope.command().get_stream_sdp().stream(), "master");
}

}  // namespace
}  // namespace crowdmesh::control
