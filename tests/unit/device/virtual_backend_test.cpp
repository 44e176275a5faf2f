#include "device/virtual_backend.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "device/device_callback.hpp"

namespace crowdmesh::device {
namespace {

using namespace std::chrono_literals;

DeviceConfig config(bool realtime) {
  DeviceConfig c;
  c.backend = "virtual";
  c.channels = 2;
  c.period_frames = 64;
  c.target_periods = 4;
  c.realtime = realtime;
  return c;
}

// Polls `pred` until it holds or a generous timeout expires (a hang guard, not
// a timing assertion).
template <class Pred>
bool wait_for(Pred pred, std::chrono::seconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(VirtualBackendTest, PacedByDataFollowsRealtimeFlag) {
  EXPECT_FALSE(VirtualBackend(config(true)).paced_by_data());
  EXPECT_TRUE(VirtualBackend(config(false)).paced_by_data());
}

TEST(VirtualBackendTest, DescriptionNamesRatePeriodAndPace) {
  EXPECT_EQ(VirtualBackend(config(true)).description(),
            "virtual 48000 Hz 64 frames 2 ch realtime (not started), buffer 4 periods");
  EXPECT_EQ(VirtualBackend(config(false)).description(), "virtual 48000 Hz 64 frames 2 ch as fast as data arrives");
}

// Whether a thread of this process may switch itself to SCHED_FIFO at `priority`
// (root, CAP_SYS_NICE or an rtprio limit at least that high).
bool may_use_fifo(int priority) {
  bool ok = false;
  std::thread probe([&] {
    sched_param sp{};
    sp.sched_priority = std::min(priority, sched_get_priority_max(SCHED_FIFO));
    ok = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
  });
  probe.join();
  return ok;
}

TEST(VirtualBackendTest, RealPaceClockSaysWhichSchedulingItGot) {
  const auto cfg = config(true);
  DeviceCallback cb(cfg);
  VirtualBackend backend(cfg);
  ASSERT_TRUE(backend.start(cb));
  const auto d = backend.description();
  backend.stop();
  // The same request from a probe thread tells which of the two it must say.
  const bool fifo = may_use_fifo(VirtualBackend::kClockPriority);
  EXPECT_NE(d.find(fifo ? "(SCHED_FIFO " : "(normal priority: "), std::string::npos) << d;
}

TEST(VirtualBackendTest, FastClockPlaysEveryFrameInOrderWithoutUnderrun) {
  const auto cfg = config(false);
  DeviceCallback cb(cfg);
  cb.set_tap_enabled(true);
  VirtualBackend backend(cfg);
  ASSERT_TRUE(backend.start(cb));

  constexpr std::size_t kTotalFrames = 64 * 500 + 17;  // not a whole number of periods
  std::vector<float> played;
  played.reserve(kTotalFrames * 2);
  std::thread producer([&] {
    std::vector<float> chunk(2 * 37);
    std::size_t next = 0;
    while (next < kTotalFrames) {
      const std::size_t n = std::min<std::size_t>(37, kTotalFrames - next);
      for (std::size_t i = 0; i < n * 2; ++i) chunk[i] = static_cast<float>(next * 2 + i);
      while (!cb.output_ring().write(chunk.data(), n)) std::this_thread::yield();
      next += n;
    }
    backend.finish();
  });
  std::vector<float> buf(2 * 256);
  ASSERT_TRUE(wait_for([&] {
    while (std::size_t n = cb.tap_ring().read(buf.data(), 256))
      played.insert(played.end(), buf.begin(), buf.begin() + n * 2);
    return backend.done() && cb.tap_ring().read_available() == 0;
  }));
  producer.join();
  backend.stop();

  const auto st = cb.stats();
  EXPECT_EQ(st.xruns, 0u);
  EXPECT_EQ(st.underrun_frames, 0u);
  EXPECT_EQ(st.tap_overflow_frames, 0u);
  EXPECT_EQ(st.frames_played, kTotalFrames);
  ASSERT_EQ(played.size(), kTotalFrames * 2);
  for (std::size_t i = 0; i < played.size(); ++i) ASSERT_EQ(played[i], static_cast<float>(i)) << i;
}

TEST(VirtualBackendTest, FastClockWaitsForTapRoomInsteadOfDroppingFrames) {
  const auto cfg = config(false);
  DeviceCallback cb(cfg);
  cb.set_tap_enabled(true);
  VirtualBackend backend(cfg);
  ASSERT_TRUE(backend.start(cb));
  // Nobody drains the tap: the clock must stop at a full tap ring.
  const std::size_t tap_cap = cb.tap_ring().capacity();
  std::vector<float> chunk(2 * 64, 0.25f);
  std::size_t written = 0;
  ASSERT_TRUE(wait_for([&] {
    while (cb.output_ring().write(chunk.data(), 64)) written += 64;
    return cb.tap_ring().read_available() == tap_cap;
  }));
  EXPECT_FALSE(backend.done());
  backend.stop();
  EXPECT_TRUE(backend.done());
  EXPECT_EQ(cb.stats().tap_overflow_frames, 0u);
  EXPECT_EQ(cb.stats().frames_played, tap_cap);
}

TEST(VirtualBackendTest, FinishWithEmptyRingEndsWithoutPlaying) {
  const auto cfg = config(false);
  DeviceCallback cb(cfg);
  VirtualBackend backend(cfg);
  backend.finish();
  ASSERT_TRUE(backend.start(cb));  // start() clears an earlier finish()
  backend.finish();
  ASSERT_TRUE(wait_for([&] { return backend.done(); }));
  EXPECT_EQ(cb.stats().callbacks, 0u);
}

TEST(VirtualBackendTest, RealtimeClockRunsCallbacksUntilStopped) {
  const auto cfg = config(true);
  DeviceCallback cb(cfg);
  VirtualBackend backend(cfg);
  ASSERT_TRUE(backend.start(cb));
  ASSERT_TRUE(wait_for([&] { return cb.stats().callbacks >= 10; }));
  backend.stop();
  EXPECT_TRUE(backend.done());
  const auto after_stop = cb.stats().callbacks;
  std::this_thread::sleep_for(5ms);  // no callbacks after stop() returned
  EXPECT_EQ(cb.stats().callbacks, after_stop);
  EXPECT_EQ(cb.stats().frames_played, after_stop * 64);
  backend.stop();  // idempotent
}

TEST(VirtualBackendTest, StartTwiceFails) {
  const auto cfg = config(true);
  DeviceCallback cb(cfg);
  VirtualBackend backend(cfg);
  ASSERT_TRUE(backend.start(cb));
  EXPECT_FALSE(backend.start(cb));
  backend.stop();
}

TEST(VirtualBackendTest, CanRestartAfterStop) {
  const auto cfg = config(false);
  DeviceCallback cb(cfg);
  VirtualBackend backend(cfg);
  ASSERT_TRUE(backend.start(cb));
  backend.stop();
  ASSERT_TRUE(backend.start(cb));
  std::vector<float> chunk(2 * 64, 0.5f);
  ASSERT_TRUE(cb.output_ring().write(chunk.data(), 64));
  backend.finish();
  ASSERT_TRUE(wait_for([&] { return backend.done(); }));
  EXPECT_EQ(cb.stats().frames_played, 64u);
}

TEST(VirtualBackendTest, MismatchedCallbackIsRejected) {
  auto other = config(true);
  other.channels = 1;
  DeviceCallback cb(other);
  VirtualBackend backend(config(true));
  EXPECT_FALSE(backend.start(cb));
  EXPECT_TRUE(backend.description().find("virtual") == 0);
}

TEST(VirtualBackendTest, StopWithoutStartIsHarmless) {
  VirtualBackend backend(config(true));
  backend.stop();
  EXPECT_FALSE(backend.done());
}

}  // namespace
}  // namespace crowdmesh::device
