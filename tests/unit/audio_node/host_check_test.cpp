#include "host_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace crowdmesh::node {
namespace {

// A well-set Pi: performance governor, rtprio and memlock allowed and used, wired.
HostFacts good_pi() {
  HostFacts f;
  f.governors = {"performance", "performance", "performance", "performance"};
  f.rtprio_limit = 95;
  f.memlock_limit_bytes = UINT64_MAX;
  f.memory_locked = true;
  f.throttled_flags = 0;
  f.interfaces_up = {{"eth0", false}, {"wlan0", true}};
  return f;
}

bool mentions(const std::vector<std::string>& findings, const std::string& word) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const auto& s) { return s.find(word) != std::string::npos; });
}

TEST(HostCheckTest, WellSetPiHasNoFinding) { EXPECT_TRUE(host_findings(good_pi()).empty()); }

TEST(HostCheckTest, OndemandGovernorIsReportedWithHowManyCpusAndTheFix) {
  auto f = good_pi();
  f.governors[1] = f.governors[3] = "ondemand";
  const auto out = host_findings(f);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find("'ondemand' on 2 of 4 CPUs"), std::string::npos) << out[0];
  EXPECT_NE(out[0].find("performance"), std::string::npos);
}

TEST(HostCheckTest, NoRealTimePriorityAllowedNamesTheLimitAndTheFix) {
  auto f = good_pi();
  f.rtprio_limit = 0;
  const auto out = host_findings(f);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find("RLIMIT_RTPRIO 0"), std::string::npos) << out[0];
  EXPECT_NE(out[0].find("LimitRTPRIO"), std::string::npos);
  f.running_as_root = true;  // root is not limited by RLIMIT_RTPRIO
  EXPECT_TRUE(host_findings(f).empty());
}

TEST(HostCheckTest, SmallMemlockLimitIsReportedInKibWithTheFix) {
  auto f = good_pi();
  f.memory_locked = false;
  f.memlock_limit_bytes = 8u << 20;
  const auto out = host_findings(f);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find("8192 KiB"), std::string::npos) << out[0];
  EXPECT_NE(out[0].find("LimitMEMLOCK=infinity"), std::string::npos);
}

TEST(HostCheckTest, UnderVoltageNowComesFirstAndSinceBootIsMilder) {
  auto f = good_pi();
  f.governors = {"ondemand"};
  f.throttled_flags = 0x50005;
  auto out = host_findings(f);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].find("under-voltage or throttled now (get_throttled 0x50005)"), std::string::npos) << out[0];
  f.throttled_flags = 0x50000;
  out = host_findings(f);
  EXPECT_TRUE(mentions(out, "since boot (get_throttled 0x50000)"));
}

TEST(HostCheckTest, WifiOnlyMeshIsReportedAndWiredIsNot) {
  auto f = good_pi();
  f.interfaces_up = {{"wlan0", true}};
  EXPECT_TRUE(mentions(host_findings(f), "only use Wi-Fi (wlan0)"));
  f.interfaces_up = {};
  EXPECT_TRUE(host_findings(f).empty());
}

TEST(HostCheckTest, ReadingThisHostNeverFailsAndFindsItsOwnLimits) {
  const auto f = read_host_facts();
  EXPECT_GT(f.memlock_limit_bytes, 0u);  // every Linux has some memlock limit (64 KiB at least)
  (void)host_findings(f);
}

}  // namespace
}  // namespace crowdmesh::node
