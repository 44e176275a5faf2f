// The render port reports how long the render thread waited for the mixer
// actor's lock: the playout's "own work" figure is its CPU time plus this
// wait, so a lock the mixer holds too long is the product's, and time the
// host takes from the thread is not (tests/integration/run_summary.py).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mixer/render_port.hpp"

namespace crowdmesh::mixer {
namespace {

using namespace std::chrono_literals;

TEST(RenderPortTest, AFreeLockCostsNoWait) {
  RenderPort port;
  port.attach([](float* out, std::size_t frames, std::int64_t) { std::fill(out, out + 2 * frames, 0.5f); });
  std::vector<float> out(2 * 64);
  std::int64_t waited = -1;
  ASSERT_TRUE(port.render(out.data(), 64, 0, &waited));
  EXPECT_EQ(waited, 0);
  EXPECT_EQ(out[127], 0.5f);
}

TEST(RenderPortTest, RenderReportsHowLongTheMixerHeldTheLock) {
  RenderPort port;
  port.attach([](float* out, std::size_t frames, std::int64_t) { std::fill(out, out + 2 * frames, 0.5f); });
  std::atomic<bool> held{false};
  std::thread mixer([&] {
    auto lk = port.lock();
    held = true;
    std::this_thread::sleep_for(200ms);
  });
  while (!held) std::this_thread::yield();
  std::vector<float> out(2 * 64);
  std::int64_t waited = 0;
  const auto before = rt::steady_now_ns();
  ASSERT_TRUE(port.render(out.data(), 64, 0, &waited));
  const auto after = rt::steady_now_ns();
  mixer.join();
  // The mixer held the lock for 200 ms from before render() was called, so
  // render() waited; the wait lies within the call.
  EXPECT_GT(waited, 0);
  EXPECT_LE(waited, after - before);
  EXPECT_EQ(out[0], 0.5f);
}

TEST(RenderPortTest, ADetachedPortRendersNothingAndStillReportsTheWait) {
  RenderPort port;
  std::vector<float> out(2 * 8, -1.0f);
  std::int64_t waited = -1;
  EXPECT_FALSE(port.render(out.data(), 8, 0, &waited));
  EXPECT_EQ(waited, 0);
  EXPECT_EQ(out[0], -1.0f);
}

}  // namespace
}  // namespace crowdmesh::mixer
