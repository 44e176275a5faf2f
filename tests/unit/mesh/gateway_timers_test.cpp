#include "mesh/gateway_timers.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::mesh {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kHeartbeat = 1000 * kMs;
constexpr std::int64_t kT0 = 5'000 * kMs;  // the fake clock when the loop starts

TEST(GatewayTimersTest, StartMakesTheHeartbeatAndTheProbeTickDueAtOnce) {
  GatewayTimers t(kHeartbeat, true);
  t.start(kT0);
  EXPECT_EQ(t.next_heartbeat_ns(), kT0);
  EXPECT_EQ(t.next_probe_ns(), kT0);
  EXPECT_TRUE(t.probe_tick_due(kT0));
  EXPECT_TRUE(t.take_heartbeat(kT0));
  EXPECT_EQ(t.poll_timeout_ms(kT0, std::nullopt), 0) << "the probe tick is still due";
}

TEST(GatewayTimersTest, HeartbeatIsDueOncePerIntervalCountedFromWhenItWasTaken) {
  GatewayTimers t(kHeartbeat, false);
  t.start(kT0);
  ASSERT_TRUE(t.take_heartbeat(kT0));
  EXPECT_FALSE(t.take_heartbeat(kT0)) << "taken once per deadline";
  EXPECT_FALSE(t.take_heartbeat(kT0 + kHeartbeat - 1));
  EXPECT_TRUE(t.take_heartbeat(kT0 + kHeartbeat));
  // A loop 2.5 intervals late sends one heartbeat, and the next comes one
  // interval after it: no catch-up series.
  const std::int64_t late = kT0 + 3 * kHeartbeat + kHeartbeat / 2;
  EXPECT_TRUE(t.take_heartbeat(late));
  EXPECT_FALSE(t.take_heartbeat(late));
  EXPECT_EQ(t.next_heartbeat_ns(), late + kHeartbeat);
  EXPECT_FALSE(t.take_heartbeat(late + kHeartbeat - 1));
  EXPECT_TRUE(t.take_heartbeat(late + kHeartbeat));
}

TEST(GatewayTimersTest, ProbeTickStaysDueUntilDoneThenWaitsTheEstimatorsInterval) {
  GatewayTimers t(kHeartbeat, true);
  t.start(kT0);
  EXPECT_FALSE(t.probe_tick_due(kT0 - 1));
  EXPECT_TRUE(t.probe_tick_due(kT0 + 7 * kMs)) << "due until handled";
  t.probe_tick_done(kT0 + 7 * kMs, 100 * kMs);
  EXPECT_EQ(t.next_probe_ns(), kT0 + 107 * kMs);
  EXPECT_FALSE(t.probe_tick_due(kT0 + 107 * kMs - 1));
  EXPECT_TRUE(t.probe_tick_due(kT0 + 107 * kMs));
  t.probe_tick_done(kT0 + 107 * kMs, 2000 * kMs);  // the slow interval once locked
  EXPECT_FALSE(t.probe_tick_due(kT0 + 2107 * kMs - 1));
  EXPECT_TRUE(t.probe_tick_due(kT0 + 2107 * kMs));
}

TEST(GatewayTimersTest, ReferenceComingUpMakesTheProbeTickDueAtOnce) {
  GatewayTimers t(kHeartbeat, true);
  t.start(kT0);
  t.probe_tick_done(kT0, 1000 * kMs);
  ASSERT_FALSE(t.probe_tick_due(kT0 + 10 * kMs));
  t.reference_came_up(kT0 + 10 * kMs);
  EXPECT_TRUE(t.probe_tick_due(kT0 + 10 * kMs));
  EXPECT_EQ(t.next_probe_ns(), kT0 + 10 * kMs);
  EXPECT_EQ(t.next_heartbeat_ns(), kT0) << "the heartbeat keeps its deadline";
}

TEST(GatewayTimersTest, WithoutAReferenceNoProbeTickIsEverDueNorWakesThePoll) {
  GatewayTimers t(kHeartbeat, false);
  t.start(kT0);
  EXPECT_FALSE(t.probing());
  EXPECT_FALSE(t.probe_tick_due(kT0));
  EXPECT_FALSE(t.probe_tick_due(kT0 + 100 * kHeartbeat));
  ASSERT_TRUE(t.take_heartbeat(kT0));
  t.reference_came_up(kT0 + 10 * kMs);
  EXPECT_FALSE(t.probe_tick_due(kT0 + 10 * kMs));
  EXPECT_EQ(t.poll_timeout_ms(kT0 + 10 * kMs, std::nullopt), 990) << "the heartbeat alone sets the timeout";
}

TEST(GatewayTimersTest, PollSleepsUntilTheEarliestOfHeartbeatProbeTickAndForwardDeadline) {
  GatewayTimers t(kHeartbeat, true);
  t.start(kT0);
  ASSERT_TRUE(t.take_heartbeat(kT0));  // next heartbeat at kT0 + 1000 ms
  t.probe_tick_done(kT0, 300 * kMs);   // next probe tick at kT0 + 300 ms
  EXPECT_EQ(t.poll_timeout_ms(kT0, std::nullopt), 300) << "the probe tick";
  EXPECT_EQ(t.poll_timeout_ms(kT0, kT0 + 120 * kMs), 120) << "the forward deadline";
  EXPECT_EQ(t.poll_timeout_ms(kT0, kT0 + 900 * kMs), 300) << "a later forward deadline changes nothing";
  t.probe_tick_done(kT0, 2000 * kMs);
  EXPECT_EQ(t.poll_timeout_ms(kT0 + 100 * kMs, std::nullopt), 900) << "the heartbeat";
}

TEST(GatewayTimersTest, PollTimeoutRoundsUpToAWholeMillisecond) {
  GatewayTimers t(kHeartbeat, false);
  t.start(kT0);
  ASSERT_TRUE(t.take_heartbeat(kT0));
  const std::int64_t hb = kT0 + kHeartbeat;
  EXPECT_EQ(t.poll_timeout_ms(hb - 1, std::nullopt), 1) << "1 ns left: sleep 1 ms, not 0 (no busy loop)";
  EXPECT_EQ(t.poll_timeout_ms(hb - kMs, std::nullopt), 1);
  EXPECT_EQ(t.poll_timeout_ms(hb - kMs - 1, std::nullopt), 2) << "never wakes before the deadline";
}

TEST(GatewayTimersTest, PollTimeoutIsZeroWhenSomethingIsDueOrOverdue) {
  GatewayTimers t(kHeartbeat, false);
  t.start(kT0);
  EXPECT_EQ(t.poll_timeout_ms(kT0, std::nullopt), 0) << "the heartbeat is due now";
  EXPECT_EQ(t.poll_timeout_ms(kT0 + 5 * kMs, std::nullopt), 0) << "the heartbeat is overdue";
  ASSERT_TRUE(t.take_heartbeat(kT0));
  EXPECT_EQ(t.poll_timeout_ms(kT0 + 50 * kMs, kT0 + 50 * kMs), 0) << "a forward deadline due now";
  EXPECT_EQ(t.poll_timeout_ms(kT0 + 50 * kMs, kT0 + 10 * kMs), 0) << "a forward deadline 40 ms overdue";
}

TEST(GatewayTimersTest, PollTimeoutIsAtMostOneSecond) {
  GatewayTimers t(10 * kHeartbeat, true);
  t.start(kT0);
  ASSERT_TRUE(t.take_heartbeat(kT0));  // next heartbeat in 10 s
  t.probe_tick_done(kT0, 5000 * kMs);
  EXPECT_EQ(t.poll_timeout_ms(kT0, kT0 + 3000 * kMs), GatewayTimers::kMaxPollTimeoutMs);
  EXPECT_EQ(GatewayTimers::kMaxPollTimeoutMs, 1000);
  EXPECT_EQ(t.poll_timeout_ms(kT0 + 4001 * kMs, std::nullopt), 999) << "under the cap, the deadline again";
}

}  // namespace
}  // namespace crowdmesh::mesh
