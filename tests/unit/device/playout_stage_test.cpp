// PlayoutStage: time alignment of the resampled output with its recorded mesh
// positions (a sine through the stage), realigns, input accounting, and the
// closed loop against a simulated card with injected ppm, jitter and jumps.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "device/playout_stage.hpp"

namespace crowdmesh::device {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kRate = 48000;
constexpr int kChannels = 2;

double pts_of(const PlayoutStage::MeshPosition& p) {
  return static_cast<double>(PlayoutStage::pts_ns(p.frame, kRate)) + p.fraction * 1e9 / kRate;
}

// ---------------------------------------------------------------------------
// Alignment with a known signal.

// Input: channel 0 = 0.5 sin(2π f n / R), channel 1 = 0.25 cos(...), n = mesh frame − m0.
struct SineSource {
  double freq_hz = 1000.0;
  std::int64_t next = 0;
  std::vector<float> buf;
  void push_into(PlayoutStage& s, std::size_t frames) {
    buf.resize(frames * kChannels);
    for (std::size_t i = 0; i < frames; ++i) {
      const double ph = 2.0 * kPi * freq_hz * static_cast<double>(next + static_cast<std::int64_t>(i)) / kRate;
      buf[i * 2] = static_cast<float>(0.5 * std::sin(ph));
      buf[i * 2 + 1] = static_cast<float>(0.25 * std::cos(ph));
    }
    next += static_cast<std::int64_t>(frames);
    ASSERT_TRUE(s.push(buf.data(), frames));
  }
};

struct PhaseFit {
  double offset_frames = 0.0;  // output lags its recorded position by this much
  double amplitude = 0.0;
  double max_residual = 0.0;
  std::size_t samples = 0;
};

// Least-squares fit out[j] ≈ a sin φ + b cos φ with φ = 2π f (m(j) − m0) / R over
// ring frames [from, to); the phase of (a, b) is the misalignment.
PhaseFit fit_phase(const PlayoutStage& s, const std::vector<float>& out, std::int64_t m0, double f, std::uint64_t from,
                   std::uint64_t to) {
  double ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
  std::vector<std::pair<double, double>> pts;
  for (std::uint64_t j = from; j < to; ++j) {
    const auto p = s.position_of(j);
    if (!p) continue;
    const double x = static_cast<double>(p->frame - m0) + p->fraction;
    const double ph = 2.0 * kPi * f * x / kRate;
    const double sn = std::sin(ph), cs = std::cos(ph), y = out[j * kChannels];
    ss += sn * sn;
    cc += cs * cs;
    sc += sn * cs;
    ys += y * sn;
    yc += y * cs;
    pts.emplace_back(ph, y);
  }
  const double det = ss * cc - sc * sc;
  const double a = (ys * cc - yc * sc) / det;
  const double b = (yc * ss - ys * sc) / det;
  PhaseFit r;
  const double theta = std::atan2(-b, a);  // y = A sin(φ − θ)
  r.offset_frames = theta * kRate / (2.0 * kPi * f);
  r.amplitude = std::hypot(a, b);
  r.samples = pts.size();
  for (const auto& [ph, y] : pts) r.max_residual = std::max(r.max_residual, std::abs(y - 0.5 * std::sin(ph)));
  return r;
}

PlayoutStage::Config sine_config(PlayoutConverter conv) {
  PlayoutStage::Config c;
  c.channels = kChannels;
  c.rate_hz = kRate;
  c.first_mesh_frame = 1'000'003;
  c.converter = conv;
  c.max_frames_per_call = 1024;
  c.realign_after_observations = 1;  // these tests drive one splice at a time
  return c;
}

// Pulls `frames` ring frames in 256-frame periods, pushing what the stage asks for.
void run_sine(PlayoutStage& s, SineSource& src, std::vector<float>& out, std::size_t frames) {
  std::vector<float> period(256 * kChannels);
  std::size_t done = 0;
  while (done < frames) {
    src.push_into(s, s.input_frames_wanted(256));
    const std::size_t got = s.pull(period.data(), 256);
    ASSERT_EQ(got, 256u);
    out.insert(out.end(), period.begin(), period.end());
    done += got;
  }
}

struct AlignCase {
  PlayoutConverter converter;
  double ppm;
  double max_residual;  // sinc: filter ripple; linear: interpolation error
};

class PlayoutAlignmentTest : public ::testing::TestWithParam<AlignCase> {};

TEST_P(PlayoutAlignmentTest, OutputMatchesSignalAtRecordedMeshPosition) {
  const auto param = GetParam();
  PlayoutStage s(sine_config(param.converter));
  s.set_correction_ppm(param.ppm);
  SineSource src;
  std::vector<float> out;
  run_sine(s, src, out, 48000);
  const auto fit = fit_phase(s, out, 1'000'003, src.freq_hz, 512, 48000);
  std::printf("[ alignment ] %s at %+.0f ppm: offset %.5f frames, amplitude %.5f, max residual %.2e\n",
              to_string(param.converter), param.ppm, fit.offset_frames, fit.amplitude, fit.max_residual);
  EXPECT_GT(fit.samples, 40000u);
  EXPECT_LT(std::abs(fit.offset_frames), 0.01);  // no constant offset left (linear's 1 frame is accounted)
  EXPECT_NEAR(fit.amplitude, 0.5, 0.005);
  EXPECT_LT(fit.max_residual, param.max_residual);
  // The recorded positions advance by 1 + ppm·1e-6 per ring frame.
  const auto p0 = s.position_of(1000), p1 = s.position_of(41000);
  ASSERT_TRUE(p0 && p1);
  const double advance = static_cast<double>(p1->frame - p0->frame) + p1->fraction - p0->fraction;
  EXPECT_NEAR(advance / 40000.0, 1.0 + param.ppm * 1e-6, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Converters, PlayoutAlignmentTest,
                         ::testing::Values(AlignCase{PlayoutConverter::polyphase, 0.0, 2e-3},
                                           AlignCase{PlayoutConverter::polyphase, 250.0, 2e-3},
                                           AlignCase{PlayoutConverter::polyphase, -250.0, 2e-3},
                                           AlignCase{PlayoutConverter::sinc_fastest, 0.0, 2e-3},
                                           AlignCase{PlayoutConverter::sinc_fastest, 250.0, 2e-3},
                                           AlignCase{PlayoutConverter::sinc_fastest, -250.0, 2e-3},
                                           AlignCase{PlayoutConverter::linear, 0.0, 2e-3},
                                           AlignCase{PlayoutConverter::linear, 250.0, 2e-3},
                                           AlignCase{PlayoutConverter::linear, -250.0, 2e-3}));

TEST(PlayoutStageTest, ConverterDelayIsZeroForSincAndOneForLinear) {
  EXPECT_EQ(PlayoutStage(sine_config(PlayoutConverter::sinc_fastest)).converter_delay_frames(), 0);
  EXPECT_EQ(PlayoutStage(sine_config(PlayoutConverter::linear)).converter_delay_frames(), 1);
  // sinc_fastest: half filter = lrint(2464 / 128) + 1 = 20 frames, + the frame itself.
  EXPECT_EQ(PlayoutStage(sine_config(PlayoutConverter::sinc_fastest)).lookahead_frames(), 21u);
  // polyphase: 32 taps each side, the last one at the frame after the position.
  EXPECT_EQ(PlayoutStage(sine_config(PlayoutConverter::polyphase)).converter_delay_frames(), 0);
  EXPECT_EQ(PlayoutStage(sine_config(PlayoutConverter::polyphase)).lookahead_frames(), 33u);
}

TEST(PlayoutStageTest, PolyphaseIsTheDefaultConverter) {
  EXPECT_EQ(PlayoutStage::Config{}.converter, PlayoutConverter::polyphase);
  EXPECT_STREQ(to_string(PlayoutConverter::polyphase), "polyphase");
}

// A realign moves the input by round(e × rate) and the recorded positions follow:
// after the splice the output still matches the signal at m(j).
TEST(PlayoutStageTest, DropRealignKeepsOutputAlignedWithPositions) {
  PlayoutStage s(sine_config(PlayoutConverter::sinc_fastest));
  SineSource src;
  std::vector<float> out;
  run_sine(s, src, out, 4096);
  // Align first (initial alignment), then a 5 ms late report on the last pulled frame.
  const std::uint64_t j0 = s.stats().ring_frames - 1;
  s.observe(j0, static_cast<std::int64_t>(std::llround(pts_of(*s.position_of(j0)))));
  ASSERT_EQ(s.stats().initial_alignments, 0u);  // on time: nothing to align
  run_sine(s, src, out, 1024);
  const std::uint64_t j = s.stats().ring_frames - 1;
  const auto before = *s.position_of(j);
  s.observe(j, static_cast<std::int64_t>(std::llround(pts_of(before) + 5e6)));
  EXPECT_EQ(s.stats().realigns, 1u);
  EXPECT_EQ(s.stats().frames_dropped, 240u);
  run_sine(s, src, out, 4096);
  const auto after = *s.position_of(j + 1);
  EXPECT_NEAR(static_cast<double>(after.frame - before.frame) + after.fraction - before.fraction, 241.0, 0.51);
  const auto fit = fit_phase(s, out, 1'000'003, src.freq_hz, j + 64, j + 4000);
  EXPECT_LT(std::abs(fit.offset_frames), 0.01);
  EXPECT_LT(fit.max_residual, 2e-3);
  // Observations of frames pulled before the realign are stale now: no second realign.
  s.observe(j, static_cast<std::int64_t>(std::llround(pts_of(before) + 5e6)));
  EXPECT_EQ(s.stats().realigns, 1u);
  EXPECT_EQ(s.stats().stale_observations, 1u);
}

TEST(PlayoutStageTest, InsertRealignPlaysSilenceThenResumesAtNextUnplayedFrame) {
  PlayoutStage s(sine_config(PlayoutConverter::sinc_fastest));
  SineSource src;
  std::vector<float> out;
  run_sine(s, src, out, 4096);
  const std::uint64_t j0 = s.stats().ring_frames - 1;
  s.observe(j0, static_cast<std::int64_t>(std::llround(pts_of(*s.position_of(j0)))));
  run_sine(s, src, out, 1024);
  const std::uint64_t j = s.stats().ring_frames - 1;
  const auto before = *s.position_of(j);
  s.observe(j, static_cast<std::int64_t>(std::llround(pts_of(before) - 5e6)));  // 5 ms early
  EXPECT_EQ(s.stats().realigns, 1u);
  EXPECT_EQ(s.stats().frames_inserted, 240u);
  run_sine(s, src, out, 4096);
  const auto after = *s.position_of(j + 1);
  EXPECT_NEAR(static_cast<double>(after.frame - before.frame) + after.fraction - before.fraction, 1.0 - 240.0, 0.51);
  // Silence (the sinc's ramp into the content takes its half length, 20 frames).
  float peak = 0.0f;
  for (std::uint64_t k = j + 1; k < j + 1 + 240 - 24; ++k) peak = std::max(peak, std::abs(out[k * kChannels]));
  EXPECT_LT(peak, 1e-3f);
  // Then the signal from the next unplayed frame on, aligned with m(j).
  const auto fit = fit_phase(s, out, 1'000'003, src.freq_hz, j + 1 + 240 + 24, j + 4000);
  EXPECT_LT(std::abs(fit.offset_frames), 0.01);
  EXPECT_LT(fit.max_residual, 2e-3);
}

// A realign while an earlier insert's silence is still playing moves the silence,
// never the content: the content still starts at the next frame that was not
// played before the insert, aligned with its recorded position.
TEST(PlayoutStageTest, RealignDuringInsertedSilenceKeepsContentAligned) {
  constexpr std::int64_t m0 = 1'000'003;
  PlayoutStage s(sine_config(PlayoutConverter::sinc_fastest));
  SineSource src;
  std::vector<float> out;
  run_sine(s, src, out, 1024);
  s.observe(1023, static_cast<std::int64_t>(std::llround(pts_of(*s.position_of(1023)) - 100e6)));  // 100 ms early
  EXPECT_EQ(s.stats().initial_alignments, 1u);
  EXPECT_EQ(s.stats().initial_alignment_frames, -4800);
  run_sine(s, src, out, 1024);
  const std::uint64_t j = 1024 + 512;  // pulled after the insert: silence
  s.observe(j, static_cast<std::int64_t>(std::llround(pts_of(*s.position_of(j)) + 5e6)));  // 5 ms late
  EXPECT_EQ(s.stats().realigns, 1u);
  EXPECT_EQ(s.stats().frames_dropped, 240u);
  run_sine(s, src, out, 8192);
  std::uint64_t content_from = 0;
  float silence_peak = 0.0f;
  for (std::uint64_t k = 1024; k < s.stats().ring_frames; ++k) {
    const auto p = s.position_of(k);
    ASSERT_TRUE(p.has_value());
    const double rel = static_cast<double>(p->frame - m0) + p->fraction;
    if (rel < 1024 - 24) silence_peak = std::max(silence_peak, std::abs(out[k * kChannels]));
    if (rel >= 1024 + 24 && content_from == 0) content_from = k;
  }
  EXPECT_LT(silence_peak, 1e-3f);
  // 4800 inserted − 240 dropped after the 1024 frames played before: 4560 frames of silence.
  EXPECT_NEAR(static_cast<double>(content_from), 1024 + 4560 + 24, 1.0);
  const auto fit = fit_phase(s, out, m0, src.freq_hz, content_from, s.stats().ring_frames);
  EXPECT_GT(fit.samples, 4000u);
  EXPECT_LT(std::abs(fit.offset_frames), 0.01);
  EXPECT_LT(fit.max_residual, 2e-3);
}

// ---------------------------------------------------------------------------
// Input accounting and external input.

TEST(PlayoutStageTest, PtsIsRoundedAndOverflowSafe) {
  EXPECT_EQ(PlayoutStage::pts_ns(0, 48000), 0);
  EXPECT_EQ(PlayoutStage::pts_ns(1, 48000), 20833);  // 20833.33
  EXPECT_EQ(PlayoutStage::pts_ns(2, 48000), 41667);  // 41666.67
  EXPECT_EQ(PlayoutStage::pts_ns(3, 96000), 31250);  // exact
  EXPECT_EQ(PlayoutStage::pts_ns(1, 44100), 22676);  // 22675.74
  EXPECT_EQ(PlayoutStage::pts_ns(-1, 48000), -20833);
  EXPECT_EQ(PlayoutStage::pts_ns(48000LL * 86400 * 365 * 100, 48000), 86400LL * 365 * 100 * 1'000'000'000);
}

TEST(PlayoutStageTest, InputFramesWantedLetsPullServeInFull) {
  PlayoutStage s(sine_config(PlayoutConverter::sinc_fastest));
  std::vector<float> in(4096 * kChannels, 0.1f), out(1024 * kChannels);
  for (const double ppm : {0.0, 300.0, -300.0}) {
    s.set_correction_ppm(ppm);
    for (const std::size_t n : {1u, 64u, 256u, 1000u, 1024u}) {
      const auto want = s.input_frames_wanted(n);
      ASSERT_TRUE(s.push(in.data(), want));
      EXPECT_EQ(s.pull(out.data(), n), n) << ppm << " ppm, " << n << " frames";
    }
  }
  EXPECT_EQ(s.stats().input_shortfalls, 0u);
  // Enough pushed already: nothing more is wanted for a short pull.
  ASSERT_TRUE(s.push(in.data(), s.input_frames_wanted(1024)));
  EXPECT_EQ(s.input_frames_wanted(16), 0u);
}

TEST(PlayoutStageTest, PullReturnsFewerFramesWhenInputRunsOut) {
  PlayoutStage s(sine_config(PlayoutConverter::sinc_fastest));
  std::vector<float> in(100 * kChannels, 0.1f), out(256 * kChannels);
  ASSERT_TRUE(s.push(in.data(), 100));
  const auto got = s.pull(out.data(), 256);
  EXPECT_EQ(got, 100u - s.lookahead_frames() + 1);
  EXPECT_EQ(s.stats().input_shortfalls, 1u);
  EXPECT_EQ(s.stats().ring_frames, got);
}

TEST(PlayoutStageTest, PushFailsWhenInputBufferIsFull) {
  auto cfg = sine_config(PlayoutConverter::sinc_fastest);
  cfg.max_frames_per_call = 256;
  PlayoutStage s(cfg);
  std::vector<float> in(4096 * kChannels, 0.1f);
  EXPECT_FALSE(s.push(in.data(), 4096));
  EXPECT_EQ(s.stats().next_input_frame, cfg.first_mesh_frame);  // all or nothing
  EXPECT_TRUE(s.push(in.data(), 512));
  EXPECT_EQ(s.stats().next_input_frame, cfg.first_mesh_frame + 512);
  EXPECT_FALSE(s.push(nullptr, 1));
}

TEST(PlayoutStageTest, UnknownRepeatedAndOverflowingObservationsAreIgnored) {
  PlayoutStage s(sine_config(PlayoutConverter::sinc_fastest));
  s.observe(0, 0);  // nothing pulled yet
  EXPECT_EQ(s.stats().invalid_observations, 1u);
  SineSource src;
  std::vector<float> out;
  run_sine(s, src, out, 1024);
  const auto pts = static_cast<std::int64_t>(std::llround(pts_of(*s.position_of(500))));
  s.observe(500, pts);
  s.observe(500, pts);                                       // repeated
  s.observe(400, pts);                                       // going back
  s.observe(600, std::numeric_limits<std::int64_t>::min());  // overflows D − PTS
  s.observe(5000, pts);                                      // not pulled yet
  const auto st = s.stats();
  EXPECT_EQ(st.observations, 6u);
  EXPECT_EQ(st.invalid_observations, 5u);
  EXPECT_EQ(st.realigns + st.initial_alignments, 0u);
}

TEST(PlayoutStageTest, ObservationsOlderThanTheRecordsAreIgnored) {
  auto cfg = sine_config(PlayoutConverter::sinc_fastest);
  cfg.history_blocks = 4;
  PlayoutStage s(cfg);
  SineSource src;
  std::vector<float> out;
  run_sine(s, src, out, 256 * 6);
  EXPECT_FALSE(s.position_of(256).has_value());
  EXPECT_TRUE(s.position_of(512).has_value());
  s.observe(100, 0);
  EXPECT_EQ(s.stats().invalid_observations, 1u);
}

TEST(PlayoutStageTest, ValidateNamesTheBadField) {
  PlayoutStage::Config c;
  EXPECT_TRUE(PlayoutStage::validate(c).empty());
  c.channels = 0;
  EXPECT_NE(PlayoutStage::validate(c).find("channels"), std::string::npos);
  c = {};
  c.rate_hz = 100;
  EXPECT_NE(PlayoutStage::validate(c).find("rate_hz"), std::string::npos);
  c = {};
  c.max_correction_ppm = -1;
  EXPECT_NE(PlayoutStage::validate(c).find("max_correction_ppm"), std::string::npos);
  c = {};
  c.max_frames_per_call = 0;
  EXPECT_THROW(PlayoutStage{c}, std::invalid_argument);
}

// ---------------------------------------------------------------------------
// Closed loop against a simulated card.

struct CardSim {
  double card_ppm = 0.0;           // card rate vs the mesh clock (> 0 = fast)
  double start_offset_ns = 3.7e6;  // ring frame 0 reaches the DAC this long after PTS(m0)
  double jitter_ns = 0.0;          // uniform ± on the reported DAC time
  double seconds = 600.0;
  double jump_at_s = -1.0;  // from then on every frame plays jump_ns later
  double jump_ns = 0.0;
  std::size_t period = 256;
  std::size_t ring_periods = 4;  // frames pulled ahead of the DAC
  std::int64_t m0 = 48000LL * 86400 * 3;
};

struct SimResult {
  double lock_time_s = -1.0;
  std::vector<double> abs_err_after_lock_ns;  // |true e| per observation after lock
  double max_abs_err_ns = 0.0;                // over non-stale frames after the initial alignment
  std::size_t short_pulls = 0;
  PlayoutStage::Stats stats;
  std::vector<std::pair<double, double>> correction_trace;  // (t, ppm) once a second
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

SimResult simulate(const CardSim& sim, PlayoutConverter conv = PlayoutConverter::sinc_fastest) {
  PlayoutStage::Config cfg;
  cfg.channels = kChannels;
  cfg.rate_hz = kRate;
  cfg.first_mesh_frame = sim.m0;
  cfg.converter = conv;
  cfg.max_frames_per_call = 1024;
  PlayoutStage stage(cfg);
  std::vector<float> zeros(2048 * kChannels, 0.0f), out(sim.period * kChannels);
  SimResult r;
  const double t_start = static_cast<double>(PlayoutStage::pts_ns(sim.m0, kRate)) + sim.start_offset_ns;
  const double ns_per_card_frame = 1e9 / (kRate * (1.0 + sim.card_ppm * 1e-6));
  auto dac_time = [&](std::uint64_t j) {
    const double t = t_start + static_cast<double>(j) * ns_per_card_frame;
    const bool jumped = sim.jump_at_s >= 0 && static_cast<double>(j) / kRate >= sim.jump_at_s;
    return t + (jumped ? sim.jump_ns : 0.0);
  };
  auto pull_period = [&] {
    std::size_t want = stage.input_frames_wanted(sim.period);
    while (want > 0) {
      const std::size_t n = std::min(want, zeros.size() / kChannels);
      if (!stage.push(zeros.data(), n)) break;
      want -= n;
    }
    if (stage.pull(out.data(), sim.period) != sim.period) ++r.short_pulls;
  };
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> jitter(-sim.jitter_ns, sim.jitter_ns);
  for (std::size_t k = 0; k < sim.ring_periods; ++k) pull_period();

  const auto periods = static_cast<std::uint64_t>(sim.seconds * kRate / static_cast<double>(sim.period));
  std::uint64_t realign_count = 0;
  std::uint64_t valid_from = 0;  // frames pulled after the last realign
  for (std::uint64_t k = 0; k < periods; ++k) {
    const std::uint64_t j = k * sim.period;
    const double t = static_cast<double>(j) / kRate;
    const double d = dac_time(j);
    stage.observe(j, static_cast<std::int64_t>(std::llround(d + (sim.jitter_ns > 0 ? jitter(rng) : 0.0))));
    const auto st = stage.stats();
    if (st.realigns + st.initial_alignments != realign_count) {
      realign_count = st.realigns + st.initial_alignments;
      valid_from = st.ring_frames;
    }
    if (st.locked && r.lock_time_s < 0) r.lock_time_s = t;
    if (const auto p = stage.position_of(j); p && j >= valid_from && st.initial_alignments + st.realigns > 0) {
      const double e = d - pts_of(*p);
      r.max_abs_err_ns = std::max(r.max_abs_err_ns, std::abs(e));
      if (r.lock_time_s >= 0) r.abs_err_after_lock_ns.push_back(std::abs(e));
    }
    if (k % (kRate / sim.period) == 0) r.correction_trace.emplace_back(t, st.correction_ppm);
    pull_period();
  }
  r.stats = stage.stats();
  return r;
}

double expected_correction_ppm(double card_ppm) { return (1.0 / (1.0 + card_ppm * 1e-6) - 1.0) * 1e6; }

void report(const char* name, const SimResult& r) {
  std::printf(
      "[ sim ] %s: lock at %.1f s, |e| after lock p99 %.2f µs max %.2f µs, correction %.3f ppm "
      "(card %.3f ppm, measured %.3f ppm), initial %llu (%lld frames), realigns %llu, dropped %llu, inserted %llu, "
      "out-of-range reports %llu, stale %llu\n",
      name, r.lock_time_s, percentile(r.abs_err_after_lock_ns, 0.99) / 1e3,
      r.abs_err_after_lock_ns.empty()
          ? 0.0
          : *std::max_element(r.abs_err_after_lock_ns.begin(), r.abs_err_after_lock_ns.end()) / 1e3,
      r.stats.correction_ppm, r.stats.card_rate_ppm, r.stats.measured_card_ppm,
      static_cast<unsigned long long>(r.stats.initial_alignments),
      static_cast<long long>(r.stats.initial_alignment_frames), static_cast<unsigned long long>(r.stats.realigns),
      static_cast<unsigned long long>(r.stats.frames_dropped), static_cast<unsigned long long>(r.stats.frames_inserted),
      static_cast<unsigned long long>(r.stats.out_of_range_reports),
      static_cast<unsigned long long>(r.stats.stale_observations));
}

struct LockCase {
  const char* name;
  double card_ppm;
  double start_offset_ns;
  double seconds;
};

class PlayoutLockTest : public ::testing::TestWithParam<LockCase> {};

// Ten simulated minutes per card (two for the last): lock within 30 s, then |e| p99 < 20 µs and
// max < 50 µs, no realign after the initial alignment, and the correction equal
// to the card's offset within 1 ppm.
TEST_P(PlayoutLockTest, LocksOntoSkewedCard) {
  const auto c = GetParam();
  CardSim sim;
  sim.card_ppm = c.card_ppm;
  sim.start_offset_ns = c.start_offset_ns;
  sim.seconds = c.seconds;
  const auto r = simulate(sim);
  report(c.name, r);
  EXPECT_EQ(r.short_pulls, 0u);
  EXPECT_EQ(r.stats.initial_alignments, 1u);
  EXPECT_EQ(r.stats.realigns, 0u);
  ASSERT_GE(r.lock_time_s, 0.0);
  EXPECT_LT(r.lock_time_s, 30.0);
  EXPECT_TRUE(r.stats.locked);
  EXPECT_LT(percentile(r.abs_err_after_lock_ns, 0.99), 20e3);
  EXPECT_LT(*std::max_element(r.abs_err_after_lock_ns.begin(), r.abs_err_after_lock_ns.end()), 50e3);
  EXPECT_NEAR(r.stats.correction_ppm, expected_correction_ppm(c.card_ppm), 1.0);
  EXPECT_NEAR(r.stats.card_rate_ppm, c.card_ppm, 1.0);
  EXPECT_NEAR(r.stats.measured_card_ppm, c.card_ppm, 0.1);
  EXPECT_EQ(r.stats.out_of_range_reports, 0u);
  EXPECT_FALSE(r.stats.out_of_range);
}

INSTANTIATE_TEST_SUITE_P(Cards, PlayoutLockTest,
                         ::testing::Values(LockCase{"card +100 ppm, starts 3.7 ms late", 100.0, 3.7e6, 600.0},
                                           LockCase{"card -100 ppm, starts 50 ms early", -100.0, -50e6, 600.0},
                                           LockCase{"card +250 ppm, starts 1 s late", 250.0, 1e9, 600.0},
                                           LockCase{"card -250 ppm, starts 0.3 ms late", -250.0, 0.3e6, 120.0}),
                         [](const auto& info) { return "Case" + std::to_string(info.index); });

TEST(PlayoutStageTest, JitteredDacTimesStillLockNearTruth) {
  CardSim sim;
  sim.card_ppm = 100.0;
  sim.jitter_ns = 20e3;  // ±20 µs on every report
  sim.seconds = 300.0;
  const auto r = simulate(sim);
  report("card +100 ppm, ±20 µs jitter", r);
  EXPECT_EQ(r.short_pulls, 0u);
  EXPECT_EQ(r.stats.realigns, 0u);
  ASSERT_GE(r.lock_time_s, 0.0);
  EXPECT_LT(r.lock_time_s, 30.0);
  EXPECT_LT(percentile(r.abs_err_after_lock_ns, 0.99), 20e3);  // true error, not the jittered one
  // The correction carries some of the jitter through kp; its mean over the last
  // minute is the rate estimate.
  double sum = 0.0;
  int n = 0;
  for (const auto& [t, ppm] : r.correction_trace)
    if (t >= sim.seconds - 60.0) {
      sum += ppm;
      ++n;
    }
  ASSERT_GT(n, 0);
  EXPECT_NEAR(sum / n, expected_correction_ppm(100.0), 1.0);
  EXPECT_NEAR(r.stats.measured_card_ppm, 100.0, 5.0);  // one 2 s window of jittered reports
}

TEST(PlayoutStageTest, LinearConverterLocksToo) {
  CardSim sim;
  sim.card_ppm = 150.0;
  sim.seconds = 120.0;
  const auto r = simulate(sim, PlayoutConverter::linear);
  report("linear, card +150 ppm", r);
  EXPECT_EQ(r.stats.realigns, 0u);
  EXPECT_LT(percentile(r.abs_err_after_lock_ns, 0.99), 20e3);
  EXPECT_NEAR(r.stats.card_rate_ppm, 150.0, 1.0);
}

TEST(PlayoutStageTest, OutOfRangeCardIsReportedAndRealignsWithoutStalling) {
  CardSim sim;
  sim.card_ppm = 1000.0;  // limit 300 ppm
  sim.seconds = 60.0;
  const auto r = simulate(sim);
  report("card +1000 ppm (out of range)", r);
  EXPECT_EQ(r.short_pulls, 0u);
  EXPECT_EQ(r.stats.out_of_range_reports, 1u);
  EXPECT_TRUE(r.stats.out_of_range);
  EXPECT_GT(r.stats.realigns, 10u);
  EXPECT_GT(r.stats.frames_inserted, 0u);  // a fast card runs ahead: silence fills in
  EXPECT_NEAR(r.stats.correction_ppm, -300.0, 1.0);
  EXPECT_NEAR(r.stats.measured_card_ppm, 1000.0, 0.5);
  EXPECT_LT(r.max_abs_err_ns, 2.1e6);  // never far past the realign threshold
}

TEST(PlayoutStageTest, CardDeclared48kRunningAt44k1NeverStalls) {
  CardSim sim;
  sim.card_ppm = (44100.0 / 48000.0 - 1.0) * 1e6;  // −81250 ppm
  sim.seconds = 20.0;
  const auto r = simulate(sim);
  report("44.1 kHz card declared 48 kHz", r);
  EXPECT_EQ(r.short_pulls, 0u);
  EXPECT_GT(r.stats.realigns, 50u);
  EXPECT_GT(r.stats.frames_dropped, 0u);  // a slow card falls behind: frames are dropped
  EXPECT_EQ(r.stats.out_of_range_reports, 1u);
  EXPECT_TRUE(r.stats.out_of_range);
  EXPECT_NEAR(r.stats.measured_card_ppm, -81250.0, 1.0);
  EXPECT_NEAR(r.stats.correction_ppm, 300.0, 1.0);
}

TEST(PlayoutStageTest, FiveMillisecondJumpRealignsOnceAndRelocks) {
  for (const double jump : {5e6, -5e6}) {
    CardSim sim;
    sim.card_ppm = 100.0;
    sim.seconds = 120.0;
    sim.jump_at_s = 60.0;
    sim.jump_ns = jump;
    const auto r = simulate(sim);
    report(jump > 0 ? "+5 ms jump at 60 s" : "-5 ms jump at 60 s", r);
    EXPECT_EQ(r.short_pulls, 0u);
    EXPECT_EQ(r.stats.initial_alignments, 1u);
    EXPECT_EQ(r.stats.realigns, 1u);
    if (jump > 0) {
      EXPECT_NEAR(static_cast<double>(r.stats.frames_dropped), 240.0, 1.0);
      EXPECT_EQ(r.stats.frames_inserted, 0u);
    } else {
      EXPECT_NEAR(static_cast<double>(r.stats.frames_inserted), 240.0, 1.0);
      EXPECT_EQ(r.stats.frames_dropped, 0u);
    }
    EXPECT_GT(r.stats.stale_observations, 0u);  // the frames already in the ring
    EXPECT_TRUE(r.stats.locked);
    EXPECT_NEAR(r.stats.card_rate_ppm, 100.0, 1.0);
    EXPECT_EQ(r.stats.out_of_range_reports, 0u);  // the jump skews one rate window, the loop is not pinned
  }
}

}  // namespace
}  // namespace crowdmesh::device

namespace crowdmesh::device {
namespace {

// A driver timestamp late by 5 ms once (its thread woke late) is not a jump:
// nothing is dropped; the same error persisting for 8 periods is one.
TEST(PlayoutStageTest, OneLateTimestampDoesNotRealignButAPersistentJumpDoes) {
  PlayoutStage::Config c = sine_config(PlayoutConverter::sinc_fastest);
  c.realign_after_observations = 8;
  PlayoutStage s(c);
  SineSource src;
  std::vector<float> out;
  run_sine(s, src, out, 4096);
  auto on_time = [&](std::uint64_t j) { return static_cast<std::int64_t>(std::llround(pts_of(*s.position_of(j)))); };
  std::uint64_t j = s.stats().ring_frames - 1;
  s.observe(j, on_time(j));
  run_sine(s, src, out, 256);
  j = s.stats().ring_frames - 1;
  s.observe(j, on_time(j) + 5'000'000);  // one late timestamp
  for (int k = 0; k < 10; ++k) {
    run_sine(s, src, out, 256);
    j = s.stats().ring_frames - 1;
    s.observe(j, on_time(j));
  }
  EXPECT_EQ(s.stats().realigns, 0u);
  EXPECT_EQ(s.stats().frames_dropped, 0u);
  for (int k = 0; k < 8; ++k) {  // now every period is 3 ms late: a real jump
    run_sine(s, src, out, 256);
    j = s.stats().ring_frames - 1;
    s.observe(j, on_time(j) + 3'000'000 + (k == 3 ? 1'000'000 : 0));
  }
  EXPECT_EQ(s.stats().realigns, 1u);
  EXPECT_NEAR(static_cast<double>(s.stats().frames_dropped), 144.0, 1.0);  // the smallest error: 3 ms
}

}  // namespace
}  // namespace crowdmesh::device
