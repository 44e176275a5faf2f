// Cost of the telemetry meters beside playback (docs/PROTOCOL.md, "Telemetry": cheap enough for a
// Pi 4): the master level analyser (RMS, peak, EBU R128 momentary/short-term
// loudness, clipping, silence) per 480-frame block of 48 kHz stereo.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "telemetry/level_analyzer.hpp"

using crowdmesh::telemetry::LevelAnalyzer;

static void BM_LevelAnalyzer48kStereo(benchmark::State& state) {
  auto a = LevelAnalyzer::create(48000, 2);
  if (!a) {
    state.SkipWithError("cannot create the analyser");
    return;
  }
  std::vector<float> block(480 * 2);
  for (std::size_t i = 0; i < 480; ++i)
    block[2 * i] = block[2 * i + 1] = static_cast<float>(0.25 * std::sin(2 * M_PI * 997.0 * i / 48000.0));
  std::size_t n = 0;
  for (auto _ : state) {
    a->process(block.data(), 480);
    if (++n % 10 == 0) benchmark::DoNotOptimize(a->take());
  }
  // 100 blocks of 480 frames = 1 s of audio: "cpu time per second of audio".
  state.counters["pct_of_core"] = benchmark::Counter(static_cast<double>(state.iterations()) * 480.0 / 48000.0,
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_LevelAnalyzer48kStereo);
