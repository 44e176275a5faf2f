#include "mesh/peer_liveness.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::mesh {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(PeerLivenessTest, NeverHeardPeerIsNotAliveAndSaysSo) {
  PeerLiveness l(2, 1500 * kMs);
  EXPECT_FALSE(l.alive(0, 0));
  EXPECT_EQ(l.last_heard_age_ms(0, 5 * kMs), -1);
  EXPECT_EQ(l.not_alive_sentence(0, "room-b", 0), "node room-b is not alive (never heard from it)");
  EXPECT_TRUE(l.changes(10 * kMs).empty()) << "never up, so never reported down";
}

TEST(PeerLivenessTest, FirstWordFromAPeerBringsItUpOnce) {
  PeerLiveness l(2, 1500 * kMs);
  EXPECT_TRUE(l.heard(1, 100 * kMs));
  EXPECT_FALSE(l.heard(1, 200 * kMs)) << "already up";
  EXPECT_TRUE(l.alive(1, 200 * kMs));
  EXPECT_TRUE(l.changes(300 * kMs).empty()) << "the up was reported by heard()";
}

TEST(PeerLivenessTest, SilenceLongerThanTheWindowTakesThePeerDownOnceAndAWordBringsItBack) {
  PeerLiveness l(1, 1500 * kMs);
  l.heard(0, 0);
  EXPECT_TRUE(l.alive(0, 1500 * kMs)) << "the window's edge still counts";
  EXPECT_TRUE(l.changes(1500 * kMs).empty());
  const auto down = l.changes(1501 * kMs);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0], std::make_pair(std::size_t{0}, false));
  EXPECT_TRUE(l.changes(5000 * kMs).empty()) << "reported down once";
  EXPECT_EQ(l.not_alive_sentence(0, "room-c", 4200 * kMs), "node room-c is not alive (last heard 4.2 s ago)");
  EXPECT_TRUE(l.heard(0, 6000 * kMs)) << "back up";
  EXPECT_EQ(l.last_heard_age_ms(0, 6250 * kMs), 250);
}

}  // namespace
}  // namespace crowdmesh::mesh
