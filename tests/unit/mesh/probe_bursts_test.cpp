#include "mesh/probe_bursts.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::mesh {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(ProbeBurstsTest, EachAnswerSendsTheNextProbeOfTheBurstAndAllButTheWakeUpProbeAreFitted) {
  ASSERT_EQ(ProbeBursts::kProbesPerBurst, 3);
  ProbeBursts b;
  std::int64_t t1 = 1000 * kMs;  // fake local clock
  std::uint64_t id = 40;
  for (int index = 0; index < ProbeBursts::kProbesPerBurst; ++index) {
    b.sent(id, t1, index);
    EXPECT_EQ(b.in_flight(), 1u);
    const auto m = b.answer(id, t1);
    ASSERT_TRUE(m) << "probe " << index;
    EXPECT_EQ(m->burst_index, index);
    EXPECT_EQ(m->send_next, index + 1 < ProbeBursts::kProbesPerBurst) << "probe " << index;
    EXPECT_EQ(m->fit, index != 0) << "probe " << index;
    EXPECT_EQ(b.in_flight(), 0u);
    id += 3;  // correlation ids are shared with forwarded commands: not consecutive
    t1 += kMs / 5;
  }
}

TEST(ProbeBurstsTest, AnswerToNoProbeInFlightIsRefused) {
  ProbeBursts b;
  EXPECT_FALSE(b.answer(7, 100)) << "nothing sent";
  b.sent(7, 100, 1);
  EXPECT_FALSE(b.answer(8, 100)) << "unknown correlation id";
  EXPECT_EQ(b.in_flight(), 1u);
  ASSERT_TRUE(b.answer(7, 100));
  EXPECT_FALSE(b.answer(7, 100)) << "a duplicate answer";
}

TEST(ProbeBurstsTest, AnswerEchoingAnotherT1IsRefusedAndTheProbeStaysInFlight) {
  ProbeBursts b;
  b.sent(7, 100, 1);
  b.sent(9, 200, 0);
  EXPECT_FALSE(b.answer(7, 200)) << "t1 of another probe";
  EXPECT_FALSE(b.answer(7, 101));
  EXPECT_EQ(b.in_flight(), 2u);
  const auto m = b.answer(7, 100);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->burst_index, 1);
}

TEST(ProbeBurstsTest, ProbesOfSeveralBurstsInFlightEachMatchTheirOwnIndex) {
  ProbeBursts b;
  b.sent(1, 100, 2);  // the last probe of a burst whose answer is late
  b.sent(5, 900, 0);  // the next tick's wake-up probe
  const auto wake = b.answer(5, 900);
  ASSERT_TRUE(wake);
  EXPECT_EQ(wake->burst_index, 0);
  EXPECT_TRUE(wake->send_next);
  EXPECT_FALSE(wake->fit);
  const auto late = b.answer(1, 100);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->burst_index, 2);
  EXPECT_FALSE(late->send_next);
  EXPECT_TRUE(late->fit);
}

TEST(ProbeBurstsTest, MakeRoomForgetsEveryProbeOnlyOnceTheCapIsReached) {
  ProbeBursts b;
  const std::uint64_t cap = ProbeBursts::kMaxProbesInFlight;
  ASSERT_EQ(cap, 64u);
  for (std::uint64_t id = 1; id < cap; ++id) b.sent(id, static_cast<std::int64_t>(id) * kMs, 0);
  b.make_room();
  EXPECT_EQ(b.in_flight(), cap - 1) << "under the cap nothing is forgotten";
  b.sent(cap, static_cast<std::int64_t>(cap) * kMs, 0);
  b.make_room();
  EXPECT_EQ(b.in_flight(), 0u) << "at the cap the reference has been silent for long";
  EXPECT_FALSE(b.answer(1, kMs)) << "an answer to a forgotten probe is stray";
  b.sent(cap + 1, 0, 0);
  EXPECT_TRUE(b.answer(cap + 1, 0));
}

}  // namespace
}  // namespace crowdmesh::mesh
