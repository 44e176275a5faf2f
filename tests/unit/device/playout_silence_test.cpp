// PlayoutStage silence skipping: a stage that skips its converter during
// digital silence must write exactly what a stage that never skips writes,
// including the first frames of sound after the silence (the converter's
// phase is restored by priming), and must really skip.
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "device/playout_stage.hpp"

namespace crowdmesh::device {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kRate = 48000;
constexpr std::size_t kPeriod = 256;

// Mesh frame n: silence outside [sound_from, sound_to) of each pair, a
// 997 Hz sine (left) and 313 Hz cosine (right) inside.
struct Program {
  std::vector<std::pair<std::int64_t, std::int64_t>> sound;
  float sample(std::int64_t n, int ch) const {
    for (const auto& [from, to] : sound) {
      if (n >= from && n < to) {
        const double t = static_cast<double>(n) / kRate;
        return static_cast<float>(ch == 0 ? 0.5 * std::sin(2 * kPi * 997 * t) : 0.25 * std::cos(2 * kPi * 313 * t));
      }
    }
    return 0.0f;
  }
};

// Runs a stage at a correction of `ppm` for `periods` periods: pushes what it
// wants, pulls one period each time; returns every ring frame.
// `early_ns` > 0: after the 4th pull, report ring frame 0 as reaching the DAC
// that much before its PTS (the initial alignment then inserts silence).
std::vector<float> run(PlayoutStage& s, const Program& p, double ppm, std::size_t periods, std::int64_t early_ns = 0) {
  s.set_correction_ppm(ppm);
  std::vector<float> out, period(kPeriod * 2), in;
  std::int64_t next = 0;
  for (std::size_t k = 0; k < periods; ++k) {
    const std::size_t want = s.input_frames_wanted(kPeriod);
    in.resize(want * 2);
    for (std::size_t i = 0; i < want; ++i) {
      in[i * 2] = p.sample(next + static_cast<std::int64_t>(i), 0);
      in[i * 2 + 1] = p.sample(next + static_cast<std::int64_t>(i), 1);
    }
    next += static_cast<std::int64_t>(want);
    EXPECT_TRUE(s.push(in.data(), want));
    EXPECT_EQ(s.pull(period.data(), kPeriod), kPeriod) << "period " << k;
    out.insert(out.end(), period.begin(), period.end());
    if (early_ns > 0 && k == 3) s.observe(0, PlayoutStage::pts_ns(0, kRate) - early_ns);
  }
  return out;
}

PlayoutStage::Config config(bool skip, PlayoutConverter converter = PlayoutConverter::polyphase) {
  PlayoutStage::Config c;
  c.converter = converter;
  c.channels = 2;
  c.rate_hz = kRate;
  c.skip_silence = skip;
  c.history_blocks = 1024;  // positions of every pull of a run stay known
  return c;
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
  return worst;
}

TEST(PlayoutSilenceTest, SoundAfterSilenceMatchesAConverterThatNeverStopped) {
  // Two silences and two sound passages, at a correction whose fractional
  // positions never repeat (the primer must land on the fraction exactly).
  const Program p{{{48'000 + 17, 96'000}, {150'000, 200'000}}};
  for (const auto converter : {PlayoutConverter::polyphase, PlayoutConverter::sinc_fastest})
    for (const double ppm : {0.0, 37.3, -211.9}) {
      PlayoutStage always(config(false, converter)), skipping(config(true, converter));
      const auto a = run(always, p, ppm, 900);
      const auto b = run(skipping, p, ppm, 900);
      ASSERT_EQ(a.size(), b.size());
      EXPECT_LT(max_difference(a, b), 2e-6) << to_string(converter) << ", correction " << ppm << " ppm";
      const auto s = skipping.stats();
      EXPECT_GT(s.silent_frames_skipped, 100'000u) << "the silences were skipped";
      EXPECT_EQ(s.converter_primes, 2u) << "primed once per return of sound";
      EXPECT_EQ(s.input_shortfalls, 0u);
      EXPECT_EQ(always.stats().silent_frames_skipped, 0u);
      for (std::uint64_t j : {0ull, 60'000ull, 120'000ull, 200'000ull}) {
        const auto pa = always.position_of(j), pb = skipping.position_of(j);
        ASSERT_TRUE(pa && pb);
        EXPECT_EQ(pa->frame, pb->frame);
        EXPECT_DOUBLE_EQ(pa->fraction, pb->fraction);
      }
    }
}

TEST(PlayoutSilenceTest, LargeInsertDuringStartupSilenceThenSoundNeitherStallsNorDiffers) {
  // A 50 ms initial alignment (2400 frames of inserted silence) while the
  // input is silent: the converter swallows the inserted silence at once, the
  // stage skips, and the frames before the stored input must be primed as
  // silence when sound arrives.
  const Program p{{{20'000, 60'000}}};
  PlayoutStage always(config(false)), skipping(config(true));
  const auto a = run(always, p, 12.5, 400, 50'000'000);
  const auto b = run(skipping, p, 12.5, 400, 50'000'000);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(skipping.stats().initial_alignments, 1u);
  EXPECT_EQ(skipping.stats().initial_alignment_frames, -2400);
  EXPECT_EQ(skipping.stats().input_shortfalls, 0u);
  EXPECT_GE(skipping.stats().converter_primes, 1u);
  EXPECT_LT(max_difference(a, b), 2e-6);
}

TEST(PlayoutSilenceTest, SoundNearThePlayPositionIsNeverSkipped) {
  // A single non-zero sample every 200 frames: the input is never silent for
  // kSilenceHistoryFrames, so the converter always runs.
  PlayoutStage s(config(true));
  std::vector<float> in, out(kPeriod * 2);
  std::int64_t next = 0;
  for (int k = 0; k < 200; ++k) {
    const std::size_t want = s.input_frames_wanted(kPeriod);
    in.assign(want * 2, 0.0f);
    for (std::size_t i = 0; i < want; ++i)
      if ((next + static_cast<std::int64_t>(i)) % 200 == 0) in[i * 2] = 1e-6f;
    next += static_cast<std::int64_t>(want);
    ASSERT_TRUE(s.push(in.data(), want));
    ASSERT_EQ(s.pull(out.data(), kPeriod), kPeriod);
  }
  EXPECT_EQ(s.stats().silent_frames_skipped, 0u);
}

TEST(PlayoutSilenceTest, LinearConverterNeverSkips) {
  auto c = config(true);
  c.converter = PlayoutConverter::linear;
  PlayoutStage s(c);
  run(s, Program{}, 0.0, 50);
  EXPECT_EQ(s.stats().silent_frames_skipped, 0u);
}

}  // namespace
}  // namespace crowdmesh::device
