// WakeSignal: the callback -> worker wake-up, and how late the worker ran.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "rt/wake_signal.hpp"

namespace crowdmesh::rt {
namespace {

using namespace std::chrono_literals;

TEST(WakeSignalTest, WaitReturnsFalseAfterTheTimeoutWithoutAPost) {
  WakeSignal s;
  EXPECT_FALSE(s.wait_for(5ms));
  EXPECT_EQ(s.take_wake_latency_ns(), 0);
}

TEST(WakeSignalTest, SeveralPostsCollapseIntoOneWakeUp) {
  WakeSignal s;
  s.post();
  s.post();
  s.post();
  EXPECT_TRUE(s.wait_for(1s));
  EXPECT_FALSE(s.wait_for(5ms));
}

TEST(WakeSignalTest, WakeLatencyCountsFromTheOldestUnconsumedPost) {
  WakeSignal s;
  s.post();  // the oldest post: the latency counts from here
  std::this_thread::sleep_for(20ms);
  s.post();
  ASSERT_TRUE(s.wait_for(1s));
  const auto latency = s.take_wake_latency_ns();
  EXPECT_GE(latency, 20'000'000);  // a sleep lasts at least what was asked
  EXPECT_LT(latency, 10'000'000'000);
  EXPECT_EQ(s.take_wake_latency_ns(), 0) << "taking the latency resets it";
}

TEST(WakeSignalTest, PromptWakeUpsMeasureFarBelowTheTimeout) {
  WakeSignal s;
  std::thread poster([&] {
    for (int i = 0; i < 50; ++i) {
      s.post();
      std::this_thread::sleep_for(1ms);
    }
  });
  int woke = 0;
  std::int64_t total_ns = 0;
  while (woke < 10 && s.wait_for(1s)) {
    total_ns += s.take_wake_latency_ns();
    ++woke;
  }
  poster.join();
  ASSERT_EQ(woke, 10);
  // Loose on purpose: a busy host may delay a wake-up, but ten of them
  // cannot each take the 1 s the timeout allows.
  EXPECT_LT(total_ns / woke, 500'000'000);
}

}  // namespace
}  // namespace crowdmesh::rt
