// Proves the RT callback never allocates: malloc/new are interposed
// (rt_alloc_counter) and every call made inside rt::RtContextScope is counted.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "device/device_callback.hpp"
#include "device/virtual_backend.hpp"
#include "rt/rt_context.hpp"
#include "rt_alloc_counter.hpp"

namespace crowdmesh::device {
namespace {

using namespace std::chrono_literals;

class CallbackAllocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::rt_alloc_counter_active()) GTEST_SKIP() << "malloc interposer is off under sanitizers";
    test::reset_rt_allocations();
  }
};

DeviceConfig config(bool realtime) {
  DeviceConfig c;
  c.backend = "virtual";
  c.channels = 2;
  c.input_channels = 2;  // exercise the input path too
  c.period_frames = 256;
  c.target_periods = 4;
  c.realtime = realtime;
  return c;
}

// Drives a VirtualBackend with a producer thread (and a tap consumer) until
// `callbacks` callbacks have run (hang guard: 30 s), then stops.
DeviceStats run_backend(bool realtime, std::uint64_t callbacks) {
  const auto cfg = config(realtime);
  DeviceCallback cb(cfg);
  cb.set_tap_enabled(true);
  cb.set_output_gain(0.5f);  // ramps on the first block
  VirtualBackend backend(cfg);
  std::atomic<bool> stop{false};
  std::vector<float> prime(2 * 1024, 0.1f);
  cb.output_ring().write(prime.data(), 1024);

  std::thread producer([&] {
    std::vector<float> chunk(2 * 128, 0.2f);  // allocation outside the RT scope: not counted
    while (!stop.load()) {
      if (!cb.output_ring().write(chunk.data(), 128)) std::this_thread::sleep_for(200us);
    }
  });
  std::thread drain([&] {
    std::vector<float> buf(2 * 512);
    while (!stop.load()) {
      cb.tap_ring().read(buf.data(), 512);
      cb.input_ring()->read(buf.data(), 512);
      std::this_thread::sleep_for(200us);
    }
  });
  EXPECT_TRUE(backend.start(cb));
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (cb.stats().callbacks < callbacks && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  cb.set_output_gain(1.0f);  // a second ramp while running
  while (cb.stats().callbacks < callbacks + 4 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  stop.store(true);
  producer.join();
  drain.join();
  backend.stop();
  return cb.stats();
}

TEST_F(CallbackAllocationTest, HookCountsAllocationInsideRtScope) {
  void* (*volatile do_malloc)(std::size_t) = &std::malloc;
  void (*volatile do_free)(void*) = &std::free;
  {
    rt::RtContextScope scope;
    do_free(do_malloc(64));
    auto* p = new std::vector<int>(100);
    delete p;
  }
  EXPECT_GE(test::rt_allocations(), 6u);  // malloc, free, 2 × new, 2 × delete
}

TEST_F(CallbackAllocationTest, HookIgnoresAllocationOutsideRtScope) {
  auto* p = new std::vector<int>(100);
  delete p;
  EXPECT_EQ(test::rt_allocations(), 0u);
}

TEST_F(CallbackAllocationTest, FastVirtualClockCallbackNeverAllocates) {
  const auto st = run_backend(false, 2000);
  EXPECT_GT(st.callbacks, 0u);
  EXPECT_EQ(test::rt_allocations(), 0u);
}

TEST_F(CallbackAllocationTest, RealtimeVirtualClockCallbackNeverAllocates) {
  const auto st = run_backend(true, 94);  // ≈ 0.5 s of 256-frame periods at 48 kHz
  EXPECT_GT(st.callbacks, 0u);
  EXPECT_EQ(test::rt_allocations(), 0u);
}

TEST_F(CallbackAllocationTest, ShortfallAndXrunPathsNeverAllocate) {
  DeviceCallback cb(config(true));
  cb.set_tap_enabled(true);
  std::vector<float> out(2 * 256), in(2 * 256, 0.3f);
  for (int i = 0; i < 20; ++i) cb.process(out.data(), in.data(), 256, i % 2 == 0);
  EXPECT_EQ(cb.stats().xruns, 20u);
  EXPECT_EQ(test::rt_allocations(), 0u);
}

}  // namespace
}  // namespace crowdmesh::device
