// SIGINT/SIGTERM as an event: the node's main loop sleeps until a stop signal
// or its own timer, instead of waking five times a second to look at a flag.
// (ctest runs each test in a process of its own: a signal raised here does
// not leak into the others.)
#include "stop_signals.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace crowdmesh::node {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(StopSignalsTest, WaitForStopSleepsUntilItsTimeoutWhenNoSignalCame) {
  install_stop_handlers();
  const auto t0 = Clock::now();
  EXPECT_FALSE(wait_for_stop(150ms));
  EXPECT_GE(Clock::now() - t0, 150ms);  // a host can only make it late, never early
  EXPECT_FALSE(stop_requested());
}

TEST(StopSignalsTest, ForwarderDestroyedBeforeAnySignalNeverCalls) {
  install_stop_handlers();
  std::atomic<int> calls{0};
  {
    StopForwarder forwarder([&calls] { ++calls; });
    std::this_thread::sleep_for(50ms);
  }  // joins its thread: it returned without a stop
  EXPECT_EQ(calls.load(), 0);
}

TEST(StopSignalsTest, SigtermWakesTheForwarderOnceAndEveryLaterWaiterAtOnce) {
  install_stop_handlers();
  std::atomic<int> calls{0};
  StopForwarder forwarder([&calls] { ++calls; });
  std::this_thread::sleep_for(50ms);  // the forwarder sleeps in poll()
  ASSERT_EQ(std::raise(SIGTERM), 0);  // the handler runs; the process lives on
  const auto t0 = Clock::now();
  while (calls.load() == 0 && Clock::now() - t0 < 10s) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_TRUE(stop_requested());
  // The pipe stays readable: a wait that starts after the signal returns at once.
  const auto t1 = Clock::now();
  EXPECT_TRUE(wait_for_stop(10s));
  EXPECT_LT(Clock::now() - t1, 5s);
  EXPECT_TRUE(wait_for_stop(10s));
}

TEST(StopSignalsTest, SigintWakesAWaiterBeforeItsTimeout) {
  install_stop_handlers();
  std::thread raiser([] {
    std::this_thread::sleep_for(100ms);
    std::raise(SIGINT);
  });
  const auto t0 = Clock::now();
  EXPECT_TRUE(wait_for_stop(30s));
  EXPECT_LT(Clock::now() - t0, 20s) << "woken by the signal, not by the 30 s timeout";
  raiser.join();
}

}  // namespace
}  // namespace crowdmesh::node
