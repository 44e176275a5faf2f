// Mixer render cost per 256-frame stereo block at 48 kHz with 1/4/8 playing
// sources, every deck's 3-band EQ on (non-flat), smoothed gains, limiter and
// meters: the whole non-RT render path the device asks for every period.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "mixer/mixer.hpp"
#include "tone_reader.hpp"

namespace {

using namespace crowdmesh;

void BM_MixerRender256(benchmark::State& state) {
  const int sources = static_cast<int>(state.range(0));
  mixer::MixerConfig cfg;
  mixer::Mixer m(cfg);
  for (int i = 0; i < sources; ++i) {
    const auto deck = kAllDecks[static_cast<std::size_t>(i % kDeckCount)];
    const auto id = static_cast<std::uint32_t>(i / kDeckCount + 1);
    m.begin_load(deck, id, "bench");
    auto r = std::make_shared<test::ToneReader>(cfg.sample_rate_hz, cfg.channels, 220.0 + 110.0 * i, 0.2f);
    (void)m.finish_load(deck, id, r, mixer::BufferInfo{});
  }
  for (auto d : kAllDecks) {
    (void)m.play(d);
    (void)m.set_eq_db(d, dsp::EqBand::low, -6.0);
    (void)m.set_eq_db(d, dsp::EqBand::high, 3.0);
  }
  std::vector<float> out(256 * 2);
  for (auto _ : state) {
    m.render(out.data(), 256);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 256);  // frames/s; one core's share = 48000 / rate
}
BENCHMARK(BM_MixerRender256)->Arg(1)->Arg(4)->Arg(8)->Unit(benchmark::kMicrosecond);

// The plain job of tests/bench/node_vs_original.sh: four decks, flat EQ, one
// 1024-frame block at 44.1 kHz (what the playout thread renders per period).
// Here the per-sample passes (sanitising, gains, meters, limiter) are the work.
void BM_MixerRenderPlain1024(benchmark::State& state) {
  mixer::MixerConfig cfg;
  cfg.sample_rate_hz = 44100;
  mixer::Mixer m(cfg);
  for (int i = 0; i < 4; ++i) {
    const auto deck = kAllDecks[static_cast<std::size_t>(i)];
    m.begin_load(deck, 1, "bench");
    auto r = std::make_shared<test::ToneReader>(cfg.sample_rate_hz, cfg.channels, 220.0 + 110.0 * i, 0.2f);
    (void)m.finish_load(deck, 1, r, mixer::BufferInfo{});
    (void)m.play(deck);
  }
  std::vector<float> out(1024 * 2);
  for (auto _ : state) {
    m.render(out.data(), 1024);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_MixerRenderPlain1024)->Unit(benchmark::kMicrosecond);

}  // namespace
