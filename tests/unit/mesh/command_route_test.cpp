#include "mesh/command_route.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::mesh {
namespace {

const std::vector<std::string> kPeers{"room-b", "room-c"};

Address at(const std::string& node, const std::string& actor = "mixer") { return Address{node, actor}; }

TEST(CommandRouteTest, OwnNameOrNoNameIsDeliveredHere) {
  EXPECT_EQ(route_command(at("room-a"), "room-a", kPeers, false).kind, CommandRoute::Kind::local);
  EXPECT_EQ(route_command(at(""), "room-a", kPeers, false).kind, CommandRoute::Kind::local);
  EXPECT_EQ(route_command(at("room-a"), "room-a", kPeers, true).kind, CommandRoute::Kind::local);
}

TEST(CommandRouteTest, EveryNodeFromAClientFansOutButFromAPeerStaysHere) {
  EXPECT_EQ(route_command(at("*"), "room-a", kPeers, false).kind, CommandRoute::Kind::everywhere);
  EXPECT_EQ(route_command(at("*"), "room-a", kPeers, true).kind, CommandRoute::Kind::here_only);
}

TEST(CommandRouteTest, APeersNameIsForwardedToThatPeer) {
  const auto r = route_command(at("room-c"), "room-a", kPeers, false);
  EXPECT_EQ(r.kind, CommandRoute::Kind::peer);
  EXPECT_EQ(r.peer, 1u);
}

TEST(CommandRouteTest, ACommandAPeerForwardedIsNotForwardedAgain) {
  const auto r = route_command(at("room-c", "tempo"), "room-b", {"room-a", "room-c"}, true);
  EXPECT_EQ(r.kind, CommandRoute::Kind::refused);
  EXPECT_STREQ(r.reason, "reforward");
  EXPECT_EQ(r.sentence, "node room-b does not forward a command that another node forwarded (target room-c/tempo)");
}

TEST(CommandRouteTest, UnknownNodeIsRefusedListingTheKnownNodesSorted) {
  const auto r = route_command(at("room-z"), "room-b", {"room-c", "room-a"}, false);
  EXPECT_EQ(r.kind, CommandRoute::Kind::refused);
  EXPECT_STREQ(r.reason, "unknown_node");
  EXPECT_EQ(r.sentence, "unknown node 'room-z' (known: room-a, room-b, room-c)");
}

}  // namespace
}  // namespace crowdmesh::mesh
