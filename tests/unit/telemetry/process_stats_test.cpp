#include "telemetry/process_stats.hpp"

#include <gtest/gtest.h>

#include "emulation.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <thread>

namespace crowdmesh::telemetry {
namespace {

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Spins until this thread has used `cpu_s` of CPU time (or `wall_cap` passed):
// on a loaded machine the loop takes longer instead of using less CPU.
void busy_for_cpu(double cpu_s, std::chrono::milliseconds wall_cap = std::chrono::seconds(5)) {
  const double start = thread_cpu_s();
  const auto end = std::chrono::steady_clock::now() + wall_cap;
  volatile double x = 1.0;
  while (thread_cpu_s() - start < cpu_s && std::chrono::steady_clock::now() < end) x = x * 1.0000001 + 1e-9;
}

TEST(ProcessSamplerTest, BusyLoopRaisesCpuPercentToTheShareItGot) {
  ProcessSampler sampler;
  sampler.sample();
  const auto wall0 = std::chrono::steady_clock::now();
  const double cpu0 = thread_cpu_s();
  busy_for_cpu(0.3);
  const double cpu1 = thread_cpu_s();
  const ProcessSample s = sampler.sample();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  // What the busy thread alone got of one core (close to 100 on an idle machine).
  const double share = 100.0 * (cpu1 - cpu0) / wall;
  std::printf("busy loop: sampler %.1f %%, thread's own share %.1f %%\n", s.cpu_percent, share);
  EXPECT_NEAR(s.cpu_percent, share, 10.0);
  EXPECT_GT(share, 10.0) << "the machine is too loaded for this check";
}

TEST(ProcessSamplerTest, SleepingKeepsCpuPercentLow) {
  ProcessSampler sampler;
  sampler.sample();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the workload, not a synchronisation
  EXPECT_LT(sampler.sample().cpu_percent, 20.0);
}

TEST(ProcessSamplerTest, CpuSecondsTotalGrowsWithBusyWork) {
  ProcessSampler sampler;
  const double before = sampler.sample().cpu_seconds_total;
  busy_for_cpu(0.2);
  EXPECT_GT(sampler.sample().cpu_seconds_total - before, 0.19);
}

TEST(ProcessSamplerTest, TouchingSixtyFourMibRaisesRssBySixtyMib) {
  ProcessSampler sampler;
  const std::uint64_t before = sampler.sample().rss_bytes;
  EXPECT_GT(before, 0u);
  constexpr std::size_t kBytes = 64u << 20;
  std::unique_ptr<char[]> block(new char[kBytes]);
  std::memset(block.get(), 0x5a, kBytes);
  const std::uint64_t after = sampler.sample().rss_bytes;
  EXPECT_GE(after, before + (60u << 20));
  volatile char keep = block[kBytes / 2];
  (void)keep;
}

TEST(ProcessSamplerTest, CountsANewThread) {
  // qemu-user answers /proc/self/stat itself and fills only pid, comm, ppid,
  // starttime and the stack: num_threads (field 20) reads 0 there.
  if (!test::emulator().empty())
    GTEST_SKIP() << "under " << test::emulator() << ": its /proc/self/stat has no thread count";
  ProcessSampler sampler;
  const std::uint32_t before = sampler.sample().threads;
  EXPECT_GE(before, 1u);
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::thread t([&] {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return release; });
  });
  const std::uint32_t during = sampler.sample().threads;
  {
    std::lock_guard<std::mutex> lock(m);
    release = true;
  }
  cv.notify_all();
  t.join();
  EXPECT_EQ(during, before + 1);
}

TEST(ProcessSamplerTest, UptimeIsPositiveAndGrows) {
  ProcessSampler sampler;
  const double first = sampler.sample().uptime_seconds;
  busy_for_cpu(0.05);
  const double second = sampler.sample().uptime_seconds;
  EXPECT_GT(first, 0.0);
  EXPECT_LT(first, 24.0 * 3600.0);
  EXPECT_GT(second, first);
}

}  // namespace
}  // namespace crowdmesh::telemetry
