// Playout stage cost per device period: one iteration = one 256-frame stereo
// 48 kHz period of the playout loop (input_frames_wanted + push of the mesh
// frames + observe of a simulated card 100 ppm fast + pull), per converter.
// core_pct = CPU time per period / period duration (5.33 ms) × 100: the share of
// one core the stage takes at real time. Target: ≤ 1.5 %.
#include <benchmark/benchmark.h>

#include <time.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "device/playout_stage.hpp"

namespace {

using crowdmesh::device::PlayoutConverter;
using crowdmesh::device::PlayoutStage;

constexpr int kRate = 48000;
constexpr int kChannels = 2;
constexpr std::size_t kPeriod = 256;
constexpr std::size_t kInputFrames = 48000;  // 1 s of input, cycled
constexpr double kCardPpm = 100.0;

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void BM_PlayoutPeriodStereo48k(benchmark::State& state) {
  const auto converter = static_cast<PlayoutConverter>(state.range(0));
  PlayoutStage::Config cfg;
  cfg.channels = kChannels;
  cfg.rate_hz = kRate;
  cfg.first_mesh_frame = 48000LL * 86400;
  cfg.converter = converter;
  cfg.max_frames_per_call = 1024;
  PlayoutStage stage(cfg);

  std::vector<float> in(kInputFrames * kChannels);
  for (std::size_t n = 0; n < kInputFrames; ++n) {
    const double t = static_cast<double>(n) / kRate;
    in[n * 2] = static_cast<float>(0.5 * std::sin(2.0 * M_PI * 997.0 * t));
    in[n * 2 + 1] = static_cast<float>(0.3 * std::sin(2.0 * M_PI * 1500.0 * t));
  }
  std::vector<float> out(kPeriod * kChannels);
  std::size_t pos = 0;
  const double t0 = static_cast<double>(PlayoutStage::pts_ns(cfg.first_mesh_frame, kRate)) + 2e6;
  const double ns_per_card_frame = 1e9 / (kRate * (1.0 + kCardPpm * 1e-6));
  auto push_wanted = [&] {
    std::size_t want = stage.input_frames_wanted(kPeriod);
    while (want > 0) {
      if (pos == kInputFrames) pos = 0;
      const std::size_t n = std::min(want, kInputFrames - pos);
      if (!stage.push(in.data() + pos * kChannels, n)) return false;
      pos += n;
      want -= n;
    }
    return true;
  };
  for (int k = 0; k < 4; ++k) {  // the device ring: 4 periods ahead of the DAC
    push_wanted();
    stage.pull(out.data(), kPeriod);
  }
  std::uint64_t observed = 0;
  std::uint64_t short_pulls = 0;

  const double cpu0 = thread_cpu_s();
  for (auto _ : state) {
    const double d = t0 + static_cast<double>(observed) * ns_per_card_frame;
    stage.observe(observed, static_cast<std::int64_t>(std::llround(d)));
    observed += kPeriod;
    if (!push_wanted()) {
      state.SkipWithError("push refused");
      return;
    }
    if (stage.pull(out.data(), kPeriod) != kPeriod) ++short_pulls;
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const double cpu = thread_cpu_s() - cpu0;
  const double period_s = static_cast<double>(kPeriod) / kRate;
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["cpu_us_per_period"] = cpu / iterations * 1e6;
  state.counters["core_pct"] = 100.0 * cpu / (iterations * period_s);
  state.counters["short_pulls"] = static_cast<double>(short_pulls);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPeriod));
  state.SetLabel(std::string(to_string(converter)) + ", 256-frame period incl. push + observe");
}

BENCHMARK(BM_PlayoutPeriodStereo48k)
    ->ArgName("converter")
    ->Arg(static_cast<int>(PlayoutConverter::polyphase))
    ->Arg(static_cast<int>(PlayoutConverter::sinc_fastest))
    ->Arg(static_cast<int>(PlayoutConverter::linear))
    ->Unit(benchmark::kMicrosecond);

}  // namespace
