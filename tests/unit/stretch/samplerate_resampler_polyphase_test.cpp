// SamplerateResampler with ResamplerQuality::polyphase (dsp::DriftResampler
// inside): the same semantics as the libsamplerate converters, its accuracy,
// its aliasing below ratio 1 and the rule that hands low ratios to sinc_medium.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "common/error.hpp"
#include "stretch/samplerate_resampler.hpp"

namespace crowdmesh::stretch {
namespace {

constexpr int kCh = 2;

// Stereo sine, `freq` in cycles per input frame, amplitude `amp` on both channels
// (the right channel a quarter period ahead).
std::vector<float> sine(std::size_t frames, double freq, double amp = 0.5) {
  std::vector<float> v(frames * kCh);
  for (std::size_t n = 0; n < frames; ++n) {
    v[n * kCh] = static_cast<float>(amp * std::sin(2 * M_PI * freq * static_cast<double>(n)));
    v[n * kCh + 1] = static_cast<float>(amp * std::cos(2 * M_PI * freq * static_cast<double>(n)));
  }
  return v;
}

// Converts all of `in` and flushes the tail, offering at most `in_chunk` input
// frames and `out_chunk` output frames per call; returns every output frame.
std::vector<float> convert(SamplerateResampler& r, const std::vector<float>& in, std::size_t in_chunk = 4096,
                           std::size_t out_chunk = 300) {
  const std::size_t total = in.size() / kCh;
  std::vector<float> out, block(out_chunk * kCh);
  std::size_t offset = 0;
  for (;;) {
    const std::size_t avail = std::min(in_chunk, total - offset);
    const bool eoi = offset == total;
    auto res = r.process(in.data() + offset * kCh, avail, block.data(), out_chunk, eoi);
    EXPECT_TRUE(res) << error_sentence(res.error());
    if (!res) return out;
    offset += res->input_used;
    out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(res->output_generated * kCh));
    if (eoi && res->output_generated == 0) return out;
  }
}

std::unique_ptr<SamplerateResampler> make(double ratio, ResamplerQuality q = ResamplerQuality::polyphase) {
  auto r = SamplerateResampler::create(q, kCh, ratio);
  EXPECT_TRUE(r) << error_sentence(r.error());
  return r ? std::move(*r) : nullptr;
}

// Largest |out − exact| over output frames [skip, frames − skip), where the
// exact output of sine(freq) at constant `ratio` is the sine at input
// position k / ratio; in dB relative to `amp`.
double error_db(const std::vector<float>& out, double freq, double ratio, std::size_t skip, double amp = 0.5) {
  const std::size_t frames = out.size() / kCh;
  double worst = 0.0;
  for (std::size_t k = skip; k + skip < frames; ++k) {
    const double x = 2 * M_PI * freq * static_cast<double>(k) / ratio;
    worst = std::max(worst, std::fabs(out[k * kCh] - amp * std::sin(x)));
    worst = std::max(worst, std::fabs(out[k * kCh + 1] - amp * std::cos(x)));
  }
  return 20.0 * std::log10(std::max(worst, 1e-12) / amp);
}

// Amplitude (least squares, left channel) of the component at `freq` cycles
// per output frame over output frames [skip, frames − skip), in dB re `amp`.
double level_db(const std::vector<float>& out, double freq, std::size_t skip, double amp = 0.5) {
  const std::size_t frames = out.size() / kCh;
  double s = 0, c = 0, n = 0;
  for (std::size_t k = skip; k + skip < frames; ++k) {
    const double x = 2 * M_PI * freq * static_cast<double>(k);
    s += out[k * kCh] * std::sin(x);
    c += out[k * kCh] * std::cos(x);
    n += 1;
  }
  return 20.0 * std::log10(std::max(2.0 * std::hypot(s, c) / n, 1e-12) / amp);
}

TEST(PolyphaseResamplerTest, NameParsesAndIsPolyphase) {
  auto q = parse_resampler_quality("polyphase");
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, ResamplerQuality::polyphase);
  auto r = make(48000.0 / 44100.0);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->polyphase_active());
  EXPECT_EQ(r->quality(), ResamplerQuality::polyphase);
}

TEST(PolyphaseResamplerTest, RatioOneIsPassthroughAndBitExact) {
  const auto in = sine(10'000, 1000.0 / 44100.0);
  auto pass = make(1.0);
  ASSERT_TRUE(pass);
  EXPECT_TRUE(pass->passthrough());
  EXPECT_EQ(convert(*pass, in), in);
  // Converting (not passing through) at ratio 1 is bit-exact too: the filter's
  // phase 0 is a unit impulse, and the flushed tail ends on the last frame.
  auto running = make(2.0);
  ASSERT_TRUE(running && running->set_ratio(1.0));
  EXPECT_FALSE(running->passthrough());
  EXPECT_TRUE(running->polyphase_active());
  EXPECT_EQ(convert(*running, in), in);
}

TEST(PolyphaseResamplerTest, SinesMatchTheExactResampledSine) {
  // 44.1 kHz → 48 kHz, varispeed 126/120 (slower) and 120/126 (faster).
  for (const double ratio : {48000.0 / 44100.0, 126.0 / 120.0, 120.0 / 126.0, 44100.0 / 48000.0}) {
    for (const double hz : {440.0, 5000.0, 15000.0}) {
      const double freq = hz / 44100.0;
      auto r = make(ratio);
      ASSERT_TRUE(r && r->polyphase_active());
      const auto out = convert(*r, sine(20'000, freq));
      const double db = error_db(out, freq, ratio, 200);
      EXPECT_LT(db, -80.0) << hz << " Hz at ratio " << ratio;
    }
  }
}

TEST(PolyphaseResamplerTest, EndOfInputFlushesTheTail) {
  for (const double ratio : {48000.0 / 44100.0, 126.0 / 120.0, 120.0 / 126.0, 0.95, 1.7}) {
    for (const std::size_t frames : {std::size_t{1}, std::size_t{100}, std::size_t{10'000}}) {
      auto r = make(ratio);
      ASSERT_TRUE(r);
      const auto out = convert(*r, sine(frames, 0.01));
      EXPECT_NEAR(static_cast<double>(out.size() / kCh), static_cast<double>(frames) * ratio, 2.0)
          << frames << " frames at ratio " << ratio;
      // Flushed once: another call at the end makes nothing.
      float none[4 * kCh];
      auto again = r->process(none, 0, none, 4, true);
      ASSERT_TRUE(again);
      EXPECT_EQ(again->output_generated, 0u);
    }
  }
}

TEST(PolyphaseResamplerTest, ChunkingDoesNotChangeTheOutput) {
  const auto in = sine(9'000, 3000.0 / 44100.0);
  for (const double ratio : {48000.0 / 44100.0, 120.0 / 126.0}) {
    auto ref = make(ratio);
    ASSERT_TRUE(ref);
    const auto expected = convert(*ref, in, 9'000, 16'384);
    for (const auto& [in_chunk, out_chunk] : std::vector<std::pair<std::size_t, std::size_t>>{
             {1, 1}, {7, 300}, {300, 7}, {1024, 1024}, {4096, 61}}) {
      auto r = make(ratio);
      ASSERT_TRUE(r);
      EXPECT_EQ(convert(*r, in, in_chunk, out_chunk), expected) << in_chunk << "/" << out_chunk << " at " << ratio;
    }
  }
}

// Output frames of sine(freq) through `r`, the ratio set to ratios[i] after
// switch_at[i] output frames; returns all outputs (flushed).
std::vector<float> run_with_steps(SamplerateResampler& r, const std::vector<float>& in,
                                  const std::vector<std::pair<std::size_t, double>>& steps) {
  const std::size_t total = in.size() / kCh;
  std::vector<float> out, block(256 * kCh);
  std::size_t offset = 0, next = 0;
  for (;;) {
    const std::size_t made = out.size() / kCh;
    if (next < steps.size() && made == steps[next].first) {
      EXPECT_TRUE(r.set_ratio(steps[next].second));
      ++next;
    }
    std::size_t cap = 256;
    if (next < steps.size()) cap = std::min(cap, steps[next].first - made);
    const bool eoi = offset == total;
    auto res = r.process(in.data() + offset * kCh, total - offset, block.data(), cap, eoi);
    EXPECT_TRUE(res);
    if (!res) return out;
    offset += res->input_used;
    out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(res->output_generated * kCh));
    if (eoi && res->output_generated == 0) return out;
  }
}

TEST(PolyphaseResamplerTest, SetRatioMidStreamKeepsTheWaveformContinuous) {
  // 1 kHz at amplitude 0.5: one output frame moves the sine by at most
  // 0.5 · 2π · 1000 / 44100 / ratio (0.0748 at the smallest ratio, 120/126); a
  // seam (a jump in phase) would be up to 1.
  const double freq = 1000.0 / 44100.0;
  const auto in = sine(30'000, freq);
  for (const double start : {1.0, 48000.0 / 44100.0}) {
    auto r = make(start);
    ASSERT_TRUE(r);
    const auto out =
        run_with_steps(*r, in, {{5'000, 126.0 / 120.0}, {9'001, 120.0 / 126.0}, {15'003, 1.0}, {20'000, 0.97}});
    EXPECT_TRUE(r->polyphase_active());
    // Up to the end of the file (where the sine stops abruptly and the filter rings).
    double worst = 0.0;
    for (std::size_t k = 1; k + 40 < out.size() / kCh; ++k)
      for (int c = 0; c < kCh; ++c)
        worst = std::max(worst, double(std::fabs(out[k * kCh + c] - out[(k - 1) * kCh + c])));
    const double bound = 0.5 * 2 * M_PI * freq / (120.0 / 126.0) * 1.01;
    EXPECT_LT(worst, bound) << "starting at ratio " << start;
  }
}

TEST(PolyphaseResamplerTest, LeavingPassthroughMatchesAFilterThatRanThroughout) {
  const auto in = sine(20'000, 1234.5 / 44100.0);
  for (const double ratio : {0.95, 126.0 / 120.0, 1.7}) {
    auto bypass = make(1.0);
    auto always = make(2.0);
    ASSERT_TRUE(bypass && always && always->set_ratio(1.0));
    const auto a = run_with_steps(*always, in, {{5'000, ratio}});
    const auto b = run_with_steps(*bypass, in, {{5'000, ratio}});
    ASSERT_EQ(a.size(), b.size()) << ratio;
    EXPECT_TRUE(bypass->polyphase_active());
    // Both the file itself before the step (the filter is exact at ratio 1),
    // the same filter on the same history after it.
    EXPECT_EQ(a, b) << ratio;
  }
}

TEST(PolyphaseResamplerTest, RatiosBelowTheRuleUseSincMedium) {
  constexpr double kLow = 0.85;
  static_assert(kLow < SamplerateResampler::kPolyphaseMinRatio);
  auto low = make(kLow);
  ASSERT_TRUE(low);
  EXPECT_FALSE(low->polyphase_active());
  // Picked again by the first ratio set before any input.
  ASSERT_TRUE(low->set_ratio(1.05));
  EXPECT_TRUE(low->polyphase_active());
  ASSERT_TRUE(low->set_ratio(kLow));
  EXPECT_FALSE(low->polyphase_active());
  // The hand-over from passthrough picks by the new ratio.
  auto pass = make(1.0);
  ASSERT_TRUE(pass);
  std::vector<float> in(2'000 * kCh, 0.1f), out(2'000 * kCh);
  ASSERT_TRUE(pass->process(in.data(), 2'000, out.data(), 2'000, false));
  ASSERT_TRUE(pass->set_ratio(kLow));
  EXPECT_FALSE(pass->passthrough());
  EXPECT_FALSE(pass->polyphase_active());
  // Below the rule the output is libsamplerate sinc_medium's, sample for sample.
  auto medium = make(kLow, ResamplerQuality::sinc_medium);
  auto poly = make(kLow);
  ASSERT_TRUE(medium && poly);
  const auto s = sine(5'000, 0.3);
  EXPECT_EQ(convert(*poly, s), convert(*medium, s));
  // While converting, a step across the threshold keeps the running filter until reset().
  auto running = make(1.05);
  ASSERT_TRUE(running);
  ASSERT_TRUE(running->process(in.data(), 2'000, out.data(), 1'000, false));
  ASSERT_TRUE(running->set_ratio(kLow));
  EXPECT_TRUE(running->polyphase_active());
  running->reset();
  EXPECT_FALSE(running->polyphase_active());
}

// The aliasing figures quoted in samplerate_resampler.hpp. The polyphase
// filter's cutoff is the input's Nyquist, so below ratio 1 a sine between the
// output's Nyquist (ratio / 2 cycles per input frame) and the input's folds to
// (ratio − f) / ratio cycles per output frame, barely attenuated; libsamplerate
// moves its cutoff to the output's Nyquist.
TEST(PolyphaseResamplerTest, AliasingFiguresBelowRatioOne) {
  struct Case {
    double ratio;
    double freq;  // cycles per input frame
    double polyphase_db;  // measured level where it lands, re the input sine
  };
  for (const Case& c : {Case{120.0 / 126.0, 0.45, 0.0}, Case{120.0 / 126.0, 0.47, -0.2}, Case{120.0 / 126.0, 0.49, -2.5},
                        Case{44100.0 / 48000.0, 0.45, 0.0}, Case{44100.0 / 48000.0, 0.47, -0.2},
                        Case{44100.0 / 48000.0, 0.49, -2.5}}) {
    const auto in = sine(40'000, c.freq);
    const double per_out = c.freq / c.ratio;  // cycles per output frame before folding
    const double lands = per_out <= 0.5 ? per_out : 1.0 - per_out;
    auto poly = make(c.ratio);
    auto medium = make(c.ratio, ResamplerQuality::sinc_medium);
    ASSERT_TRUE(poly && medium && poly->polyphase_active());
    const double p = level_db(convert(*poly, in), lands, 500);
    const double m = level_db(convert(*medium, in), lands, 500);
    std::printf("ratio %.4f: sine at %.2f x input rate -> %s at %.4f x output Nyquist: polyphase %.1f dB, "
                "sinc_medium %.1f dB\n",
                c.ratio, c.freq, per_out <= 0.5 ? "passes" : "aliases", 2.0 * lands, p, m);
    EXPECT_NEAR(p, c.polyphase_db, 0.5) << c.ratio << " " << c.freq;
    if (per_out > 0.5) {
      // Nothing folds below 2 − 1 / ratio of the output's Nyquist (the input's Nyquist folded).
      EXPECT_GE(2.0 * lands, 2.0 - 1.0 / c.ratio - 1e-9);
      // libsamplerate's cutoff follows the output: what would fold is gone.
      EXPECT_LT(m, -100.0) << c.ratio << " " << c.freq;
    }
  }
  // In band: a sine at 0.4 × the output rate comes through.
  for (const double ratio : {120.0 / 126.0, 44100.0 / 48000.0}) {
    const double freq = 0.4 * ratio;
    auto poly = make(ratio);
    ASSERT_TRUE(poly);
    const double db = error_db(convert(*poly, sine(20'000, freq)), freq, ratio, 200);
    std::printf("ratio %.4f: sine at 0.4 x output rate, error %.1f dB\n", ratio, db);
    EXPECT_LT(db, -80.0) << ratio;
  }
}

}  // namespace
}  // namespace crowdmesh::stretch
