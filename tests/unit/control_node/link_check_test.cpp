#include <gtest/gtest.h>

#include "control_node/link_check.hpp"

namespace crowdmesh::control {
namespace {

LinkCheck check(int sent, int answered, double p99) {
  LinkCheck c;
  c.sent = sent;
  c.answered = answered;
  c.rtt_p50_ms = p99 / 2;
  c.rtt_p99_ms = p99;
  c.rtt_max_ms = p99;
  return c;
}

TEST(LinkCheckTest, HealthyLinkIsSaidHealthyWithItsRoundTrip) {
  auto f = link_findings("room-b", check(100, 100, 0.9));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], "Link to room-b is healthy: 100/100 answered, p99 round trip 0.90 ms.");
}

TEST(LinkCheckTest, LossIsCountedInPercent) {
  auto f = link_findings("room-b", check(100, 97, 0.9));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("lost 3 of 100 probes (3 %)"), std::string::npos) << f[0];
}

TEST(LinkCheckTest, SlowLinkNamesItsP99AndTheLimit) {
  auto f = link_findings("room-c", check(100, 100, 12.5));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("slow: p99 round trip 12.5 ms (over 5 ms)"), std::string::npos) << f[0];
}

TEST(LinkCheckTest, NoAnswerAtAllSaysUnreachable) {
  auto f = link_findings("room-c", check(100, 0, 0));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("unreachable"), std::string::npos) << f[0];
}

TEST(LinkCheckTest, JsonCarriesLossAndRoundTrips) {
  auto j = to_json("room-b", check(100, 98, 1.5));
  EXPECT_EQ(j["answered"], 98);
  EXPECT_DOUBLE_EQ(j["loss_percent"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(j["rtt_ms"]["p99"].get<double>(), 1.5);
  EXPECT_NE(format_link(j).find("98/100 answered (loss 2 %)"), std::string::npos) << format_link(j);
}

}  // namespace
}  // namespace crowdmesh::control
