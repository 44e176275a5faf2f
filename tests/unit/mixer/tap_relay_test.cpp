// TapRelay: blocks rendered on a real-time thread reach the tap on the relay's
// thread, complete and in order; a full relay drops (counted) instead of
// waiting; stop() delivers what was queued; push() never allocates; nobody
// wanting blocks promptly lets the relay wake less often.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "mixer/tap_relay.hpp"
#include "rt/rt_context.hpp"
#include "rt_alloc_counter.hpp"

namespace crowdmesh::mixer {
namespace {

struct Seen {
  std::mutex m;
  std::condition_variable cv;
  std::vector<AudioBlock> blocks;
  std::vector<std::string> titles;
  std::thread::id thread;
};

TapRelay::Tap recorder(Seen& seen) {
  return [&seen](const AudioBlock& b, const std::string& title) {
    std::lock_guard<std::mutex> lk(seen.m);
    seen.blocks.push_back(b);
    seen.titles.push_back(title);
    seen.thread = std::this_thread::get_id();
    seen.cv.notify_all();
  };
}

std::vector<float> ramp(std::uint32_t frames, int channels, float start) {
  std::vector<float> v(static_cast<std::size_t>(frames) * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<float>(i);
  return v;
}

TEST(TapRelayTest, BlocksReachTheTapInOrderOnTheRelayThread) {
  Seen seen;
  TapRelay relay(recorder(seen), 2, 48000, 4096);
  relay.set_title("track one");
  for (std::uint32_t k = 0; k < 10; ++k) {
    const auto s = ramp(256, 2, 1000.0f * static_cast<float>(k));
    ASSERT_TRUE(relay.push(s.data(), 256, 256ULL * k, 5'000'000LL * k));
  }
  {
    std::unique_lock<std::mutex> lk(seen.m);
    ASSERT_TRUE(seen.cv.wait_for(lk, std::chrono::seconds(5), [&] { return seen.blocks.size() == 10; }));
  }
  EXPECT_NE(seen.thread, std::this_thread::get_id());
  for (std::uint32_t k = 0; k < 10; ++k) {
    const auto& b = seen.blocks[k];
    EXPECT_EQ(b.first_frame, 256ULL * k);
    EXPECT_EQ(b.pts_ns, 5'000'000LL * k);
    EXPECT_EQ(b.frames, 256u);
    EXPECT_EQ(b.channels, 2);
    EXPECT_EQ(b.sample_rate_hz, 48000);
    ASSERT_EQ(b.samples->size(), 512u);
    EXPECT_EQ(*b.samples, ramp(256, 2, 1000.0f * static_cast<float>(k)));
    EXPECT_EQ(seen.titles[k], "track one");
  }
  relay.stop();  // joins the relay thread: it counts a block after the tap returns
  EXPECT_EQ(relay.stats().relayed, 10u);
  EXPECT_EQ(relay.stats().dropped, 0u);
}

TEST(TapRelayTest, RelayWakesAtMostTwiceASecondWhileNobodyWantsBlocksPromptly) {
  // Two relays side by side for the same second: one whose consumers want
  // blocks promptly, one whose do not (then do). Only upper bounds and an
  // ordering are asserted: a busy host can only make wake-ups late, never early.
  Seen prompt_seen, relaxed_seen;
  std::atomic<bool> wanted{false};
  TapRelay prompt(recorder(prompt_seen), 2, 48000, 48000, [] { return true; });
  TapRelay relaxed(recorder(relaxed_seen), 2, 48000, 48000, [&wanted] { return wanted.load(); });
  const auto block = ramp(256, 2, 0.0f);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint32_t k = 0; k < 100; ++k) {  // 100 blocks over one second, as a render thread would
    ASSERT_TRUE(prompt.push(block.data(), 256, 256ULL * k, 0));
    ASSERT_TRUE(relaxed.push(block.data(), 256, 256ULL * k, 0));
    std::this_thread::sleep_until(t0 + std::chrono::milliseconds(10 * (k + 1)));
  }
  const auto relaxed_drains = relaxed.stats().drains;
  const auto prompt_drains = prompt.stats().drains;
  EXPECT_LE(relaxed_drains, 4u) << "one drain at start, then one per 500 ms";
  EXPECT_LE(prompt_drains, 22u) << "one drain at start, then one per 50 ms";
  EXPECT_LT(relaxed_drains, prompt_drains);
  // Once someone wants the blocks, the relay is back to every 50 ms (the next
  // wake-up is at most 500 ms away): a block then arrives within the 50 ms.
  wanted = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const auto before = relaxed.stats().drains;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_GT(relaxed.stats().drains - before, 2u) << "wanted again: a drain per 50 ms (10 in 500 ms), not per 500 ms (at most 2)";
  relaxed.stop();
  prompt.stop();
  EXPECT_EQ(relaxed.stats().relayed, 100u);  // relaxed, never lost
  EXPECT_EQ(relaxed.stats().dropped, 0u);
  EXPECT_EQ(prompt.stats().relayed, 100u);
}

TEST(TapRelayTest, FullRelayDropsTheBlockAndCountsItWithoutWaiting) {
  Seen seen;
  std::mutex gate;
  std::unique_lock<std::mutex> hold(gate);  // the tap blocks until released: the relay fills up
  TapRelay relay(
      [&](const AudioBlock& b, const std::string& t) {
        std::lock_guard<std::mutex> g(gate);
        recorder(seen)(b, t);
      },
      1, 48000, 1024);
  const auto s = ramp(256, 1, 0.0f);
  std::uint64_t accepted = 0, refused = 0;
  for (int k = 0; k < 12; ++k) (relay.push(s.data(), 256, 256ULL * k, 0) ? accepted : refused)++;
  // 1024 frames of room, plus at most one block already taken by the blocked tap.
  EXPECT_LE(accepted, 5u);
  EXPECT_GE(refused, 7u);
  EXPECT_EQ(relay.stats().dropped, refused);
  hold.unlock();
  relay.stop();
  EXPECT_EQ(relay.stats().relayed, accepted);
  EXPECT_EQ(seen.blocks.size(), accepted);
}

TEST(TapRelayTest, StopDeliversEveryQueuedBlockAndRefusesLaterOnes) {
  Seen seen;
  TapRelay relay(recorder(seen), 2, 44100, 8192);
  const auto s = ramp(64, 2, 0.0f);
  for (int k = 0; k < 50; ++k) ASSERT_TRUE(relay.push(s.data(), 64, 64ULL * k, 0));
  relay.stop();
  EXPECT_EQ(seen.blocks.size(), 50u);
  EXPECT_EQ(seen.blocks.back().first_frame, 64ULL * 49);
  EXPECT_FALSE(relay.push(s.data(), 64, 64ULL * 50, 0));
  EXPECT_EQ(relay.stats().dropped, 1u);
}

TEST(TapRelayTest, PushNeverAllocates) {
  if (!test::rt_alloc_counter_active()) GTEST_SKIP() << "malloc interposer is off under sanitizers";
  Seen seen;
  TapRelay relay(recorder(seen), 2, 48000, 1 << 16);
  const auto s = ramp(256, 2, 0.0f);
  test::reset_rt_allocations();
  {
    rt::RtContextScope scope;
    for (int k = 0; k < 100; ++k) relay.push(s.data(), 256, 256ULL * k, 0);
  }
  EXPECT_EQ(test::rt_allocations(), 0u);
  relay.stop();
  EXPECT_EQ(seen.blocks.size() + relay.stats().dropped, 100u);
}

}  // namespace
}  // namespace crowdmesh::mixer
