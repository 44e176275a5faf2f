#include "mesh/telemetry_watch.hpp"

#include <gtest/gtest.h>

#include <string>

namespace crowdmesh::mesh {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

SubscriptionSet subscriptions(std::initializer_list<std::string> topics) {
  SubscriptionSet s;
  for (const auto& t : topics) {
    const std::string msg = std::string(1, '\x01') + t;
    s.apply(msg.data(), msg.size());
  }
  return s;
}

TEST(TelemetryWatchTest, PeersDataSubscriptionsAndEventWatchersAreNotWatchers) {
  TelemetryWatch w("room-a");
  w.set_subscriptions(subscriptions({"evt.", TelemetryWatch::peer_data_topic("room-a"), "evt.room-a.mixer"}));
  EXPECT_FALSE(w.operator_here(10 * kSecond));
  EXPECT_FALSE(w.watched(10 * kSecond));
}

TEST(TelemetryWatchTest, AnOperatorSubscribingToThisNodesTelemetryWatchesIt) {
  for (const char* topic : {"", "tele.", "tele.room", "tele.room-a.", "tele.room-a.mixer"}) {
    TelemetryWatch w("room-a");
    w.set_subscriptions(subscriptions({TelemetryWatch::peer_data_topic("room-a"), topic}));
    EXPECT_TRUE(w.operator_here(0)) << "'" << topic << "'";
    EXPECT_TRUE(w.watched(0)) << "'" << topic << "'";
  }
  TelemetryWatch other("room-a");
  other.set_subscriptions(subscriptions({"tele.room-b.mixer"}));
  EXPECT_FALSE(other.watched(0)) << "another node's topics never arrive here";
}

TEST(TelemetryWatchTest, APeersMarkerWatchesThisNodeWithoutMakingItAnOperatorsNode) {
  TelemetryWatch w("room-b");
  w.set_subscriptions(subscriptions({TelemetryWatch::peer_data_topic("room-b"), TelemetryWatch::kPeerMarker}));
  EXPECT_TRUE(w.watched(0));
  EXPECT_FALSE(w.operator_here(0)) << "the marker is not passed on: two peers never keep each other watched";
  w.set_subscriptions(subscriptions({TelemetryWatch::peer_data_topic("room-b")}));
  EXPECT_FALSE(w.watched(0));
}

TEST(TelemetryWatchTest, AReadWatchesForTheHoldTimeThenLapses) {
  TelemetryWatch w("room-a", std::chrono::seconds(3));
  EXPECT_FALSE(w.operator_here(0)) << "never read";
  w.note_read(100 * kSecond);
  EXPECT_TRUE(w.operator_here(100 * kSecond));
  EXPECT_TRUE(w.operator_here(103 * kSecond));
  EXPECT_FALSE(w.operator_here(103 * kSecond + 1));
}

}  // namespace
}  // namespace crowdmesh::mesh
