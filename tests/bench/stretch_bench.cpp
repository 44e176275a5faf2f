// Tempo cost per deck (README, "Tempo that follows the dancers"). Input: 1 s of a generated stereo "mix" (three
// partials + noise) at 44.1 kHz, cycled. The SoundTouch settings are the defaults
// (SoundTouch's own music defaults).
//  - BM_SoundTouchPerDeck: SoundTouchStretcher at 44.1 kHz, tempo 1.05; one
//    iteration = 256 output frames.
//  - BM_FourDecksSoundTouch: four decks, each libsamplerate 44.1 → 48 kHz then
//    SoundTouch at tempo 1.05 (FileSource's soundtouch path minus decoding); one
//    iteration = 256 output frames on every deck. pct_of_core = time per
//    iteration / 5333 µs (256 frames at 48 kHz) × 100.
//  - BM_FourDecksPlaybackRate: the same four decks with the playback_rate path
//    (one libsamplerate pass at (48000/44100)/1.05), for comparison.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "stretch/samplerate_resampler.hpp"
#include "stretch/soundtouch_stretcher.hpp"

namespace {

using crowdmesh::stretch::ResamplerQuality;
using crowdmesh::stretch::SamplerateResampler;
using crowdmesh::stretch::SoundTouchSettings;
using crowdmesh::stretch::SoundTouchStretcher;

constexpr int kChannels = 2;
constexpr std::size_t kBlock = 256;
constexpr std::size_t kInputFrames = 44100;
constexpr double kTempo = 1.05;
constexpr double kPeriodUs = 1e6 * 256.0 / 48000.0;  // 5333 µs

std::vector<float> make_input() {
  std::vector<float> in(kInputFrames * kChannels);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> noise(-0.02f, 0.02f);
  for (std::size_t n = 0; n < kInputFrames; ++n) {
    const double t = static_cast<double>(n) / 44100.0;
    const double v =
        0.3 * std::sin(2 * M_PI * 110 * t) + 0.2 * std::sin(2 * M_PI * 440 * t) + 0.1 * std::sin(2 * M_PI * 2637 * t);
    in[n * 2] = static_cast<float>(v) + noise(rng);
    in[n * 2 + 1] = static_cast<float>(0.8 * v) + noise(rng);
  }
  return in;
}

// One deck of the soundtouch path (or, without a stretcher, the playback_rate path).
struct Deck {
  std::unique_ptr<SamplerateResampler> src;
  std::unique_ptr<SoundTouchStretcher> st;
  const std::vector<float>* in = nullptr;
  std::size_t pos = 0;
  std::vector<float> stage = std::vector<float>(1024 * kChannels);

  // Resamples the cycled input into `out` until `frames` frames were produced.
  bool resample(float* out, std::size_t frames) {
    std::size_t produced = 0;
    while (produced < frames) {
      if (pos == kInputFrames) pos = 0;
      auto r = src->process(in->data() + pos * kChannels, kInputFrames - pos, out + produced * kChannels,
                            frames - produced, false);
      if (!r) return false;
      pos += r->input_used;
      produced += r->output_generated;
    }
    return true;
  }

  // 256 output frames into out.
  bool render(float* out) {
    if (!st) return resample(out, kBlock);
    while (st->available() < kBlock) {
      if (!resample(stage.data(), kBlock)) return false;
      st->put(stage.data(), kBlock);
    }
    return st->receive(out, kBlock) == kBlock;
  }
};

void BM_SoundTouchPerDeck(benchmark::State& state) {
  const auto in = make_input();
  SoundTouchStretcher st(44100, kChannels, SoundTouchSettings{});
  st.set_tempo(kTempo);
  std::vector<float> out(kBlock * kChannels);
  std::size_t pos = 0;
  for (auto _ : state) {
    while (st.available() < kBlock) {
      if (pos + kBlock > kInputFrames) pos = 0;
      st.put(in.data() + pos * kChannels, kBlock);
      pos += kBlock;
    }
    benchmark::DoNotOptimize(st.receive(out.data(), kBlock));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBlock));
  state.SetLabel("44.1 kHz stereo, tempo 1.05, per 256 output frames");
}
BENCHMARK(BM_SoundTouchPerDeck)->Unit(benchmark::kMicrosecond);

void four_decks(benchmark::State& state, bool soundtouch) {
  const auto quality = static_cast<ResamplerQuality>(state.range(0));
  const auto in = make_input();
  std::vector<Deck> decks(4);
  for (auto& d : decks) {
    const double ratio = soundtouch ? 48000.0 / 44100.0 : 48000.0 / 44100.0 / kTempo;
    auto created = SamplerateResampler::create(quality, kChannels, ratio);
    if (!created) {
      state.SkipWithError("SamplerateResampler::create failed");
      return;
    }
    d.src = std::move(*created);
    if (soundtouch) {
      d.st = std::make_unique<SoundTouchStretcher>(48000, kChannels, SoundTouchSettings{});
      d.st->set_tempo(kTempo);
    }
    d.in = &in;
  }
  std::vector<float> out(kBlock * kChannels);
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    for (auto& d : decks) {
      if (!d.render(out.data())) {
        state.SkipWithError("render failed");
        return;
      }
      benchmark::DoNotOptimize(out.data());
    }
    benchmark::ClobberMemory();
  }
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  state.counters["pct_of_core"] = 100.0 * us / static_cast<double>(state.iterations()) / kPeriodUs;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBlock * 4));
  state.SetLabel(crowdmesh::stretch::to_string(quality) + ", 4 decks × 256 frames at 48 kHz");
}

void BM_FourDecksSoundTouch(benchmark::State& state) { four_decks(state, true); }
void BM_FourDecksPlaybackRate(benchmark::State& state) { four_decks(state, false); }

BENCHMARK(BM_FourDecksSoundTouch)
    ->ArgName("quality")
    ->Arg(static_cast<int>(ResamplerQuality::sinc_medium))
    ->Arg(static_cast<int>(ResamplerQuality::sinc_fastest))
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FourDecksPlaybackRate)
    ->ArgName("quality")
    ->Arg(static_cast<int>(ResamplerQuality::sinc_medium))
    ->Arg(static_cast<int>(ResamplerQuality::sinc_fastest))
    ->Unit(benchmark::kMicrosecond);

}  // namespace
