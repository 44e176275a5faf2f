// DSP cost per 256-frame stereo block at 48 kHz (the device period). Budget: 4 decks of EQ
// must stay below 1 % of one core, i.e. < 53 µs per block for all four.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <random>
#include <vector>

#include "dsp/dj_eq.hpp"
#include "dsp/level_meter.hpp"
#include "dsp/smoothed_gain.hpp"
#include "dsp/soft_limiter.hpp"

namespace {

using crowdmesh::dsp::DjEq;
using crowdmesh::dsp::EqBand;
using crowdmesh::dsp::LevelMeter;
using crowdmesh::dsp::SmoothedGain;
using crowdmesh::dsp::SoftLimiter;

constexpr float kRate = 48000.0f;
constexpr int kChannels = 2;
constexpr std::size_t kFrames = 256;
constexpr std::size_t kSamples = kFrames * kChannels;

std::vector<float> noise_block(unsigned seed, float amplitude) {
  std::vector<float> out(kSamples);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-amplitude, amplitude);
  for (float& v : out) v = dist(rng);
  return out;
}

void set_non_flat(DjEq& eq) {
  eq.set_band_db(EqBand::low, 4.0f);
  eq.set_band_db(EqBand::mid, -6.0f);
  eq.set_band_db(EqBand::high, -60.0f);  // kill
}

// One deck: a fresh copy of the input each block (≈ 2 KB memcpy, included in the time) so
// boosts cannot accumulate; gains settled (the common case).
void BM_DjEqProcess(benchmark::State& state) {
  DjEq eq(kRate, kChannels);
  set_non_flat(eq);
  const std::vector<float> input = noise_block(1, 0.5f);
  std::vector<float> block(kSamples);
  for (int i = 0; i < 100; ++i) {  // let the gain smoothing settle
    std::memcpy(block.data(), input.data(), kSamples * sizeof(float));
    eq.process(block.data(), kFrames);
  }
  for (auto _ : state) {
    std::memcpy(block.data(), input.data(), kSamples * sizeof(float));
    eq.process(block.data(), kFrames);
    benchmark::DoNotOptimize(block.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kFrames));
}
BENCHMARK(BM_DjEqProcess);

// Worst case: a band gain ramping on every frame of the block.
void BM_DjEqProcessRamping(benchmark::State& state) {
  DjEq eq(kRate, kChannels);
  const std::vector<float> input = noise_block(2, 0.5f);
  std::vector<float> block(kSamples);
  bool up = false;
  for (auto _ : state) {
    up = !up;
    eq.set_band_db(EqBand::low, up ? 6.0f : -60.0f);
    std::memcpy(block.data(), input.data(), kSamples * sizeof(float));
    eq.process(block.data(), kFrames);
    benchmark::DoNotOptimize(block.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kFrames));
}
BENCHMARK(BM_DjEqProcessRamping);

// Four decks (A–D), each with its own EQ and input, per 256-frame period.
void BM_DjEqFourDecks(benchmark::State& state) {
  std::vector<DjEq> decks;
  decks.reserve(4);
  std::array<std::vector<float>, 4> inputs;
  for (unsigned d = 0; d < 4; ++d) {
    decks.emplace_back(kRate, kChannels);
    set_non_flat(decks.back());
    inputs[d] = noise_block(10 + d, 0.5f);
  }
  std::array<std::vector<float>, 4> blocks;
  for (auto& b : blocks) b.resize(kSamples);
  for (int i = 0; i < 100; ++i) {
    for (unsigned d = 0; d < 4; ++d) {
      std::memcpy(blocks[d].data(), inputs[d].data(), kSamples * sizeof(float));
      decks[d].process(blocks[d].data(), kFrames);
    }
  }
  for (auto _ : state) {
    for (unsigned d = 0; d < 4; ++d) {
      std::memcpy(blocks[d].data(), inputs[d].data(), kSamples * sizeof(float));
      decks[d].process(blocks[d].data(), kFrames);
      benchmark::DoNotOptimize(blocks[d].data());
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(4 * kFrames));
}
BENCHMARK(BM_DjEqFourDecks);

// Master limiter on a +12 dBFS input (gain reduction and saturator active every frame).
void BM_SoftLimiter(benchmark::State& state) {
  SoftLimiter limiter(kRate, kChannels);
  const std::vector<float> input = noise_block(3, 4.0f);
  std::vector<float> block(kSamples);
  for (auto _ : state) {
    std::memcpy(block.data(), input.data(), kSamples * sizeof(float));
    limiter.process(block.data(), kFrames);
    benchmark::DoNotOptimize(block.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kFrames));
}
BENCHMARK(BM_SoftLimiter);

// Mixing one deck into the bus with a gain ramping on every frame (fader moving).
void BM_SmoothedGainApplyAdd(benchmark::State& state) {
  SmoothedGain gain(kRate, 10.0f, 0.0f);
  const std::vector<float> src = noise_block(4, 0.5f);
  std::vector<float> dst(kSamples, 0.0f);
  bool up = false;
  for (auto _ : state) {
    up = !up;
    gain.set_target(up ? 1.0f : 0.25f);
    gain.apply_add(src.data(), dst.data(), kFrames, kChannels);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kFrames));
}
BENCHMARK(BM_SmoothedGainApplyAdd);

void BM_LevelMeter(benchmark::State& state) {
  LevelMeter meter;
  const std::vector<float> src = noise_block(5, 0.5f);
  for (auto _ : state) {
    meter.process(src.data(), kFrames, kChannels);
    benchmark::DoNotOptimize(meter.peak());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kFrames));
}
BENCHMARK(BM_LevelMeter);

}  // namespace
