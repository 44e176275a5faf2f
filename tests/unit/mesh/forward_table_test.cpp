#include "mesh/forward_table.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::mesh {
namespace {

ForwardEntry entry(const std::string& who, std::size_t peer) {
  ForwardEntry e;
  e.routing_id = who;
  e.request_source = who + "/client";
  e.original_id = 7;
  e.peer = peer;
  return e;
}

TEST(ForwardTableTest, ReplyFromThePeerItWasSentToTakesTheEntryOnce) {
  ForwardTable t;
  t.add(1, entry("op", 2), 1000);
  EXPECT_FALSE(t.take_reply(1, 3)) << "a reply from another peer does not answer it";
  EXPECT_EQ(t.size(), 1u);
  auto e = t.take_reply(1, 2);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->routing_id, "op");
  EXPECT_EQ(e->original_id, 7u);
  EXPECT_FALSE(t.take_reply(1, 2)) << "a duplicate reply finds nothing";
  EXPECT_EQ(t.size(), 0u);
}

TEST(ForwardTableTest, ExpiredEntriesComeOutEarliestDeadlineFirstAndAnsweredOnesNever) {
  ForwardTable t;
  t.add(1, entry("a", 0), 3000);  // deadlines differ per command: out of order on purpose
  t.add(2, entry("b", 0), 1000);
  t.add(3, entry("c", 0), 2000);
  ASSERT_TRUE(t.take_reply(3, 0));  // answered in time
  EXPECT_EQ(t.next_deadline(), 1000);
  EXPECT_TRUE(t.take_expired(999).empty());
  auto out = t.take_expired(2500);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].routing_id, "b");
  EXPECT_EQ(t.next_deadline(), 3000) << "the answered entry's deadline is skipped";
  out = t.take_expired(3000);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].routing_id, "a");
  EXPECT_FALSE(t.next_deadline());
  EXPECT_FALSE(t.take_reply(1, 0)) << "a reply after its timeout is late";
}

}  // namespace
}  // namespace crowdmesh::mesh
