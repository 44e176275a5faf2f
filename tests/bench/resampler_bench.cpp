// Resampler cost per source: libsamplerate via stretch::SamplerateResampler,
// 44.1 kHz → 48 kHz stereo, one iteration = 256 output frames (one device period).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "stretch/samplerate_resampler.hpp"

namespace {

using crowdmesh::stretch::ResamplerQuality;
using crowdmesh::stretch::SamplerateResampler;

constexpr int kChannels = 2;
constexpr std::size_t kOutFrames = 256;
constexpr std::size_t kInputFrames = 44100;  // 1 s of input, cycled

void BM_Resample44100To48000Stereo(benchmark::State& state) {
  const auto quality = static_cast<ResamplerQuality>(state.range(0));
  auto created = SamplerateResampler::create(quality, kChannels, 48000.0 / 44100.0);
  if (!created) {
    state.SkipWithError("SamplerateResampler::create failed");
    return;
  }
  SamplerateResampler& rs = **created;
  std::vector<float> in(kInputFrames * kChannels);
  for (std::size_t n = 0; n < kInputFrames; ++n) {
    const double t = static_cast<double>(n) / 44100.0;
    in[n * 2] = static_cast<float>(0.5 * std::sin(2.0 * M_PI * 997.0 * t));
    in[n * 2 + 1] = static_cast<float>(0.3 * std::sin(2.0 * M_PI * 1500.0 * t));
  }
  std::vector<float> out(kOutFrames * kChannels);
  std::size_t pos = 0;
  for (auto _ : state) {
    std::size_t produced = 0;
    while (produced < kOutFrames) {
      if (pos == kInputFrames) pos = 0;
      auto r = rs.process(in.data() + pos * kChannels, kInputFrames - pos, out.data() + produced * kChannels,
                          kOutFrames - produced, false);
      if (!r) {
        state.SkipWithError("src_process failed");
        return;
      }
      pos += r->input_used;
      produced += r->output_generated;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kOutFrames));
  state.SetLabel(crowdmesh::stretch::to_string(quality) + ", per 256 output frames");
}

BENCHMARK(BM_Resample44100To48000Stereo)
    ->ArgName("quality")
    ->Arg(static_cast<int>(ResamplerQuality::sinc_best))
    ->Arg(static_cast<int>(ResamplerQuality::sinc_medium))
    ->Arg(static_cast<int>(ResamplerQuality::sinc_fastest))
    ->Arg(static_cast<int>(ResamplerQuality::linear))
    ->Unit(benchmark::kMicrosecond);

}  // namespace
