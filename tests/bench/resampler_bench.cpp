// Resampler cost per source: stretch::SamplerateResampler (libsamplerate, or the
// polyphase filter), stereo. BM_Resample44100To48000Stereo: one iteration = 256
// output frames (one device period). BM_ReaderBlock: one iteration = 1024 output
// frames (a reader block) at the reader's ratios: 48000/44100 (a 44.1 kHz file
// on a 48 kHz device), 120/126 (a 120 BPM file played at 126 BPM, varispeed) and
// 126/120. BM_DriftKernel: one iteration = 1024 stereo output frames of
// dsp::DriftResampler at 120/126, per kernel (portable, avx2_fma).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "dsp/drift_resampler.hpp"
#include "stretch/samplerate_resampler.hpp"

namespace {

using crowdmesh::stretch::ResamplerQuality;
using crowdmesh::stretch::SamplerateResampler;

constexpr int kChannels = 2;
constexpr std::size_t kOutFrames = 256;
constexpr std::size_t kInputFrames = 44100;  // 1 s of input, cycled

// One second of input, cycled: 997 Hz left, 1500 Hz right, interleaved.
std::vector<float> stereo_sines() {
  std::vector<float> in(kInputFrames * kChannels);
  for (std::size_t n = 0; n < kInputFrames; ++n) {
    const double t = static_cast<double>(n) / 44100.0;
    in[n * 2] = static_cast<float>(0.5 * std::sin(2.0 * M_PI * 997.0 * t));
    in[n * 2 + 1] = static_cast<float>(0.3 * std::sin(2.0 * M_PI * 1500.0 * t));
  }
  return in;
}

// Produces `frames` output frames into `out` from the input cycled at `pos`:
// convert(in, in_frames, out, out_frames, used, generated) converts one piece
// and returns false on an error.
template <class Convert>
bool render_block(const std::vector<float>& in, std::vector<float>& out, std::size_t frames, std::size_t& pos,
                  Convert convert) {
  std::size_t produced = 0;
  while (produced < frames) {
    if (pos == kInputFrames) pos = 0;
    std::size_t used = 0, generated = 0;
    if (!convert(in.data() + pos * kChannels, kInputFrames - pos, out.data() + produced * kChannels,
                 frames - produced, used, generated))
      return false;
    pos += used;
    produced += generated;
  }
  return true;
}

void run(benchmark::State& state, ResamplerQuality quality, double ratio, std::size_t out_frames) {
  auto created = SamplerateResampler::create(quality, kChannels, ratio);
  if (!created) {
    state.SkipWithError("SamplerateResampler::create failed");
    return;
  }
  SamplerateResampler& rs = **created;
  const std::vector<float> in = stereo_sines();
  std::vector<float> out(out_frames * kChannels);
  std::size_t pos = 0;
  for (auto _ : state) {
    const bool ok = render_block(in, out, out_frames, pos,
                                 [&rs](const float* i, std::size_t ni, float* o, std::size_t no, std::size_t& used,
                                       std::size_t& generated) {
                                   auto r = rs.process(i, ni, o, no, false);
                                   if (!r) return false;
                                   used = r->input_used;
                                   generated = r->output_generated;
                                   return true;
                                 });
    if (!ok) {
      state.SkipWithError("process failed");
      return;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * out_frames));
  state.SetLabel(crowdmesh::stretch::to_string(quality) + ", per " + std::to_string(out_frames) + " output frames");
}

void BM_Resample44100To48000Stereo(benchmark::State& state) {
  run(state, static_cast<ResamplerQuality>(state.range(0)), 48000.0 / 44100.0, kOutFrames);
}

BENCHMARK(BM_Resample44100To48000Stereo)
    ->ArgName("quality")
    ->Arg(static_cast<int>(ResamplerQuality::sinc_best))
    ->Arg(static_cast<int>(ResamplerQuality::sinc_medium))
    ->Arg(static_cast<int>(ResamplerQuality::sinc_fastest))
    ->Arg(static_cast<int>(ResamplerQuality::linear))
    ->Arg(static_cast<int>(ResamplerQuality::polyphase))
    ->Unit(benchmark::kMicrosecond);

constexpr double kReaderRatios[] = {48000.0 / 44100.0, 120.0 / 126.0, 126.0 / 120.0};
constexpr const char* kReaderRatioNames[] = {"48000/44100", "120/126", "126/120"};

void BM_ReaderBlock(benchmark::State& state) {
  const auto which = static_cast<std::size_t>(state.range(1));
  run(state, static_cast<ResamplerQuality>(state.range(0)), kReaderRatios[which], 1024);
  state.SetLabel(crowdmesh::stretch::to_string(static_cast<ResamplerQuality>(state.range(0))) + " at " +
                 kReaderRatioNames[which] + ", per 1024 output frames");
}

BENCHMARK(BM_ReaderBlock)
    ->ArgNames({"quality", "ratio"})
    ->ArgsProduct({{static_cast<int>(ResamplerQuality::polyphase), static_cast<int>(ResamplerQuality::sinc_medium),
                    static_cast<int>(ResamplerQuality::sinc_fastest)},
                   {0, 1, 2}})
    ->Unit(benchmark::kMicrosecond);

void BM_DriftKernel(benchmark::State& state) {
  using crowdmesh::dsp::DriftResampler;
  const auto kernel = static_cast<DriftResampler::Kernel>(state.range(0));
  if (kernel == DriftResampler::Kernel::avx2_fma && !DriftResampler::avx2_fma_available()) {
    state.SkipWithError("this CPU has no AVX2 and FMA");
    return;
  }
  DriftResampler rs(kChannels, kernel);
  const std::vector<float> in = stereo_sines();
  constexpr std::size_t kBlock = 1024;
  std::vector<float> out(kBlock * kChannels);
  std::size_t pos = 0;
  for (auto _ : state) {
    render_block(in, out, kBlock, pos,
                 [&rs](const float* i, std::size_t ni, float* o, std::size_t no, std::size_t& used,
                       std::size_t& generated) {
                   const auto r = rs.process(i, ni, o, no, 120.0 / 126.0);
                   used = r.input_used;
                   generated = r.output_generated;
                   return true;
                 });
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBlock));
  state.SetLabel(kernel == DriftResampler::Kernel::avx2_fma ? "avx2_fma at 120/126, per 1024 output frames"
                                                            : "portable at 120/126, per 1024 output frames");
}

BENCHMARK(BM_DriftKernel)
    ->ArgName("kernel")
    ->Arg(static_cast<int>(crowdmesh::dsp::DriftResampler::Kernel::portable))
    ->Arg(static_cast<int>(crowdmesh::dsp::DriftResampler::Kernel::avx2_fma))
    ->Unit(benchmark::kMicrosecond);

}  // namespace
