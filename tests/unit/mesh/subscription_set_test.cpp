#include "mesh/subscription_set.hpp"

#include <gtest/gtest.h>

#include <string>

namespace crowdmesh::mesh {
namespace {

std::string sub(const std::string& topic) { return std::string(1, '\x01') + topic; }
std::string unsub(const std::string& topic) { return std::string(1, '\x00') + topic; }
bool feed(SubscriptionSet& s, const std::string& msg) { return s.apply(msg.data(), msg.size()); }

TEST(SubscriptionSetTest, HoldsATopicFromItsSubscriptionToItsLastUnsubscription) {
  SubscriptionSet s;
  EXPECT_TRUE(feed(s, sub("tele.")));
  EXPECT_TRUE(feed(s, sub("tele.")));  // a duplicate, should the socket pass one
  EXPECT_TRUE(s.holds("tele."));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(feed(s, unsub("tele.")));
  EXPECT_TRUE(s.holds("tele.")) << "one subscription left";
  EXPECT_TRUE(feed(s, unsub("tele.")));
  EXPECT_FALSE(s.holds("tele."));
  EXPECT_EQ(s.size(), 0u);
}

TEST(SubscriptionSetTest, CoversEveryTopicItsPrefixesReceive) {
  SubscriptionSet s;
  feed(s, sub("evt."));
  EXPECT_TRUE(s.covers("evt.room-a.mixer"));
  EXPECT_FALSE(s.covers("tele.room-a.mixer"));
  feed(s, sub(""));
  EXPECT_TRUE(s.covers("tele.room-a.mixer")) << "the empty prefix receives everything";
}

TEST(SubscriptionSetTest, AnythingButAnSubscriptionMessageIsRefusedAndChangesNothing) {
  SubscriptionSet s;
  feed(s, sub("evt."));
  EXPECT_FALSE(s.apply(nullptr, 0));
  EXPECT_FALSE(feed(s, std::string()));
  EXPECT_FALSE(feed(s, std::string("\x02tele.")));
  EXPECT_FALSE(feed(s, unsub("tele."))) << "not held";
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.holds("evt."));
}

}  // namespace
}  // namespace crowdmesh::mesh
