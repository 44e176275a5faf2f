#include "device/device_run_state.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace crowdmesh::device {
namespace {

using namespace std::chrono_literals;
using Action = DemandStep::Action;
using Clock = std::chrono::steady_clock;

// 48 kHz, 480-frame periods (10 ms), target fill 4 periods = 1920 frames.
constexpr std::size_t kCapacity = 8192;

DeviceRunLimits limits(std::uint64_t total_frames = 0, int period_frames = 480) {
  DeviceRunLimits l;
  l.total_frames = total_frames;
  l.sample_rate_hz = 48000;
  l.period_frames = period_frames;
  l.target_periods = 4;
  return l;
}

// Demand with `fill` frames in a ring of kCapacity.
DemandStep demand_at(DeviceRunState& run, std::size_t fill) { return run.demand(kCapacity - fill, fill); }

DeviceRunState playing(DeviceFeed feed, std::uint64_t total_frames = 0) {
  DeviceRunState run(limits(total_frames));
  run.start(feed);
  run.backend_started();
  return run;
}

TEST(DeviceRunStateTest, AsksForNothingBeforeStart) {
  DeviceRunState run(limits());
  EXPECT_EQ(run.phase(), DeviceRunPhase::idle);
  EXPECT_EQ(demand_at(run, 0).action, Action::wait);
  EXPECT_FALSE(run.request_in_flight());
}

TEST(DeviceRunStateTest, DemandFeedsPrefillWhileAPlayoutThreadStartsTheBackendAtOnce) {
  DeviceRunState offline(limits());
  offline.start(DeviceFeed::paced_by_data);
  EXPECT_EQ(offline.phase(), DeviceRunPhase::prefilling);
  DeviceRunState demand(limits());
  demand.start(DeviceFeed::demand);
  EXPECT_EQ(demand.phase(), DeviceRunPhase::prefilling);
  DeviceRunState playout(limits());
  playout.start(DeviceFeed::playout_thread);
  EXPECT_EQ(playout.phase(), DeviceRunPhase::idle);
  playout.backend_started();
  EXPECT_EQ(playout.phase(), DeviceRunPhase::playing);
  EXPECT_EQ(demand_at(playout, 0).action, Action::wait) << "the playout thread renders, the actor asks nothing";
}

TEST(DeviceRunStateTest, StartOutsideIdleChangesNothing) {
  auto run = playing(DeviceFeed::demand);
  run.start(DeviceFeed::paced_by_data);
  EXPECT_EQ(run.phase(), DeviceRunPhase::playing);
  EXPECT_EQ(demand_at(run, 0).frames, 1920u) << "still fed at real pace";
  DeviceRunState stopped_first(limits());
  ASSERT_EQ(stopped_first.request_stop(Clock::time_point{}), StopStep::end_now);
  ASSERT_TRUE(stopped_first.end());
  stopped_first.start(DeviceFeed::demand);
  EXPECT_EQ(stopped_first.phase(), DeviceRunPhase::ended);
}

TEST(DeviceRunStateTest, RealPaceDemandAsksForWholePeriodsUpToTheTargetFill) {
  auto run = playing(DeviceFeed::demand);
  EXPECT_EQ(run.target_fill(), 1920u);
  const auto step = demand_at(run, 100);
  EXPECT_EQ(step.action, Action::request);
  EXPECT_EQ(step.frames, 1920u) << "1820 frames missing, rounded up to four periods";
  run.block_received(step.frames);
  EXPECT_EQ(demand_at(run, 1440).frames, 480u);
  run.block_received(480);
  EXPECT_EQ(demand_at(run, 1920).action, Action::wait) << "at the target";
}

TEST(DeviceRunStateTest, RealPaceDemandIsCappedByTheRingSpace) {
  auto run = playing(DeviceFeed::demand);
  const auto step = run.demand(1000, 100);
  EXPECT_EQ(step.action, Action::request);
  EXPECT_EQ(step.frames, 1000u);
}

TEST(DeviceRunStateTest, OneRequestAtMostIsInFlight) {
  auto run = playing(DeviceFeed::demand);
  ASSERT_EQ(demand_at(run, 0).action, Action::request);
  EXPECT_TRUE(run.request_in_flight());
  EXPECT_EQ(demand_at(run, 0).action, Action::wait);
  EXPECT_TRUE(run.block_received(1920));
  EXPECT_EQ(run.requested_frames(), 1920u);
  ASSERT_EQ(demand_at(run, 0).action, Action::request);
  run.request_failed();
  EXPECT_FALSE(run.request_in_flight());
  EXPECT_EQ(demand_at(run, 0).action, Action::request) << "a failed request is asked again";
  EXPECT_EQ(run.requested_frames(), 1920u);
}

TEST(DeviceRunStateTest, RealPacePrefillStartsTheBackendOnceTheRingHoldsTheTarget) {
  DeviceRunState run(limits());
  run.start(DeviceFeed::demand);
  ASSERT_EQ(demand_at(run, 0).action, Action::request);
  EXPECT_TRUE(run.block_received(1000));
  EXPECT_FALSE(run.prefill_complete(1000));
  EXPECT_TRUE(run.prefill_complete(1920));
  EXPECT_EQ(demand_at(run, 1920).action, Action::start_backend) << "nothing to ask for: the prefill is complete";
  run.backend_started();
  EXPECT_EQ(run.phase(), DeviceRunPhase::playing);
  EXPECT_FALSE(run.prefill_complete(1920)) << "started once";
  EXPECT_EQ(demand_at(run, 1920).action, Action::wait);
}

TEST(DeviceRunStateTest, OfflinePrefillIsCompleteWithTheFirstBlock) {
  DeviceRunState run(limits());
  run.start(DeviceFeed::paced_by_data);
  ASSERT_EQ(demand_at(run, 0).action, Action::request);
  EXPECT_TRUE(run.block_received(8192));
  EXPECT_TRUE(run.prefill_complete(0));
}

TEST(DeviceRunStateTest, OfflineDemandAsksForABlockAtMostAndNoMoreThanTheTotal) {
  auto run = playing(DeviceFeed::paced_by_data, 10000);
  const auto first = run.demand(100000, 0);
  EXPECT_EQ(first.frames, DeviceRunState::kOfflineBlockFrames);
  run.block_received(first.frames);
  EXPECT_EQ(run.demand(100000, 0).frames, 1808u) << "the rest of the 10000 frames";
  run.block_received(1808);
  EXPECT_EQ(run.demand(100000, 0).action, Action::wait) << "everything asked for";
  auto open_ended = playing(DeviceFeed::paced_by_data);
  EXPECT_EQ(open_ended.demand(500, 0).frames, 500u) << "no more than the ring takes";
}

TEST(DeviceRunStateTest, OfflinePrefillWithNothingLeftToAskForStartsTheBackend) {
  DeviceRunState run(limits(100));
  run.start(DeviceFeed::paced_by_data);
  ASSERT_EQ(run.demand(0, kCapacity).action, Action::start_backend) << "a full ring";
}

TEST(DeviceRunStateTest, OfflineStoppingAsksForNothingMore) {
  auto run = playing(DeviceFeed::paced_by_data);
  ASSERT_EQ(run.request_stop(Clock::time_point{}), StopStep::fade_out);
  EXPECT_EQ(demand_at(run, 0).action, Action::wait);
}

TEST(DeviceRunStateTest, RealPaceStoppingKeepsTheRingFedUntilTheEnd) {
  auto run = playing(DeviceFeed::demand);
  ASSERT_EQ(run.request_stop(Clock::time_point{}), StopStep::fade_out);
  EXPECT_EQ(demand_at(run, 0).action, Action::request);
}

TEST(DeviceRunStateTest, EndOfDataIsSaidOnceEverythingWasFedAndTheBackendPlays) {
  DeviceRunState run(limits(8192));
  run.start(DeviceFeed::paced_by_data);
  ASSERT_EQ(demand_at(run, 0).frames, 8192u);
  run.block_received(8192);
  EXPECT_FALSE(run.take_end_of_data()) << "the backend does not play yet";
  run.backend_started();
  EXPECT_TRUE(run.take_end_of_data());
  EXPECT_FALSE(run.take_end_of_data()) << "said once";
}

TEST(DeviceRunStateTest, EndOfDataWaitsForTheRequestInFlight) {
  auto run = playing(DeviceFeed::paced_by_data);
  ASSERT_EQ(demand_at(run, 0).action, Action::request);
  ASSERT_EQ(run.request_stop(Clock::time_point{}), StopStep::fade_out);
  EXPECT_FALSE(run.take_end_of_data()) << "its block is still to be played";
  run.block_received(8192);
  EXPECT_TRUE(run.take_end_of_data());
}

TEST(DeviceRunStateTest, EndOfDataIsNotSaidBeforeTheTotalWasFed) {
  auto run = playing(DeviceFeed::paced_by_data, 10000);
  ASSERT_EQ(demand_at(run, 0).action, Action::request);
  run.block_received(8192);
  EXPECT_FALSE(run.take_end_of_data());
  auto open_ended = playing(DeviceFeed::paced_by_data);
  EXPECT_FALSE(open_ended.take_end_of_data()) << "no total: only a stop ends the data";
}

TEST(DeviceRunStateTest, AStopEndsTheDataOfAnOpenEndedOfflineRun) {
  auto run = playing(DeviceFeed::paced_by_data);
  ASSERT_EQ(run.request_stop(Clock::time_point{}), StopStep::fade_out);
  EXPECT_TRUE(run.take_end_of_data());
}

TEST(DeviceRunStateTest, RealPaceRunIsOverOnceTheTotalIsPlayed) {
  DeviceRunState run(limits(48000));
  run.start(DeviceFeed::playout_thread);
  const Clock::time_point now{};
  EXPECT_FALSE(run.real_pace_over(48000, now)) << "the backend does not play yet";
  run.backend_started();
  EXPECT_FALSE(run.real_pace_over(47999, now));
  EXPECT_TRUE(run.real_pace_over(48000, now));
  auto open_ended = playing(DeviceFeed::demand);
  EXPECT_FALSE(open_ended.real_pace_over(1'000'000'000, now));
}

TEST(DeviceRunStateTest, StopOfAPlayingRunFadesOutAndEndsThreePeriodsLater) {
  auto run = playing(DeviceFeed::demand);
  const Clock::time_point t0 = Clock::time_point{} + 1s;
  ASSERT_EQ(run.request_stop(t0), StopStep::fade_out);
  EXPECT_EQ(run.phase(), DeviceRunPhase::stopping);
  EXPECT_TRUE(run.backend_playing());
  EXPECT_FALSE(run.real_pace_over(0, t0 + 29ms));
  EXPECT_TRUE(run.real_pace_over(0, t0 + 30ms)) << "three 10 ms periods";
  EXPECT_EQ(run.request_stop(t0 + 10ms), StopStep::ignore) << "a second stop does not move the deadline";
  EXPECT_TRUE(run.real_pace_over(0, t0 + 30ms));
}

TEST(DeviceRunStateTest, StopBeforeTheBackendPlaysEndsTheRunAtOnce) {
  DeviceRunState idle(limits());
  EXPECT_EQ(idle.request_stop(Clock::time_point{}), StopStep::end_now);
  DeviceRunState prefilling(limits());
  prefilling.start(DeviceFeed::demand);
  EXPECT_EQ(prefilling.request_stop(Clock::time_point{}), StopStep::end_now);
  EXPECT_TRUE(prefilling.end());
  EXPECT_EQ(prefilling.phase(), DeviceRunPhase::ended);
}

TEST(DeviceRunStateTest, AnEndedRunEndsOnceAndDropsLateBlocks) {
  auto run = playing(DeviceFeed::paced_by_data);
  ASSERT_EQ(demand_at(run, 0).action, Action::request);
  EXPECT_TRUE(run.end());
  EXPECT_FALSE(run.end());
  EXPECT_FALSE(run.backend_playing());
  EXPECT_FALSE(run.block_received(8192)) << "the block of a request sent before the end";
  EXPECT_FALSE(run.request_in_flight());
  EXPECT_EQ(run.requested_frames(), 0u);
  EXPECT_EQ(demand_at(run, 0).action, Action::wait);
  EXPECT_EQ(run.request_stop(Clock::time_point{}), StopStep::ignore);
  EXPECT_FALSE(run.take_end_of_data());
}

TEST(DeviceRunStateTest, ABackendThatFailsToStartEndsTheRun) {
  DeviceRunState run(limits());
  run.start(DeviceFeed::demand);
  run.backend_failed();
  EXPECT_TRUE(run.ended());
  EXPECT_FALSE(run.end()) << "nothing left to stop";
}

TEST(DeviceRunStateTest, ABackendStartedAfterTheEndLeavesTheRunEnded) {
  DeviceRunState run(limits());
  ASSERT_EQ(run.request_stop(Clock::time_point{}), StopStep::end_now);
  ASSERT_TRUE(run.end());
  run.start(DeviceFeed::playout_thread);
  run.backend_started();
  EXPECT_TRUE(run.ended());
  EXPECT_FALSE(run.backend_playing());
}

TEST(DeviceRunStateTest, PumpsEveryMillisecondOfflineAndAQuarterPeriodAtRealPace) {
  EXPECT_EQ(playing(DeviceFeed::paced_by_data).pump_interval(0), 1ms);
  DeviceRunState quarter(limits(0, 256));
  quarter.start(DeviceFeed::demand);
  EXPECT_EQ(quarter.pump_interval(0), 1333us) << "a quarter of 5333 µs";
  DeviceRunState short_periods(limits(0, 64));
  short_periods.start(DeviceFeed::demand);
  EXPECT_EQ(short_periods.pump_interval(0), 500us) << "333 µs, raised to the floor";
  DeviceRunState long_periods(limits(0, 1024));
  long_periods.start(DeviceFeed::demand);
  EXPECT_EQ(long_periods.pump_interval(0), 2000us) << "5333 µs, lowered to the ceiling";
}

TEST(DeviceRunStateTest, PlayoutThreadPumpsSlowlyExceptNearTheEndOrWhileStopping) {
  constexpr auto kFine = 2000us;  // a quarter of 10 ms, lowered to the ceiling
  auto run = playing(DeviceFeed::playout_thread, 96000);
  EXPECT_EQ(run.pump_interval(0), DeviceRunState::kPlayoutQuietPumpInterval) << "2 s left, nothing recorded";
  EXPECT_EQ(run.pump_interval(96000 - 9600), 200ms) << "200 ms left: wakes when the run should be over";
  EXPECT_EQ(run.pump_interval(96000 - 48), kFine) << "1 ms left: the fine interval";
  EXPECT_EQ(run.pump_interval(120000), kFine) << "past the end";
  auto open_ended = playing(DeviceFeed::playout_thread);
  EXPECT_EQ(open_ended.pump_interval(1'000'000), DeviceRunState::kPlayoutQuietPumpInterval);
  ASSERT_EQ(open_ended.request_stop(Clock::time_point{}), StopStep::fade_out);
  EXPECT_EQ(open_ended.pump_interval(1'000'000), kFine);
}

TEST(DeviceRunStateTest, PlayoutThreadPumpsAtFiveHertzWhileRecording) {
  auto l = limits(96000);
  l.recording = true;
  DeviceRunState run(l);
  run.start(DeviceFeed::playout_thread);
  run.backend_started();
  EXPECT_EQ(run.pump_interval(0), DeviceRunState::kPlayoutPumpInterval) << "drains a tap ring of >= 1 s";
  EXPECT_EQ(run.pump_interval(96000 - 4800), 100ms) << "100 ms left";
}

}  // namespace
}  // namespace crowdmesh::device
