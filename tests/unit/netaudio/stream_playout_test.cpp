#include "netaudio/stream_playout.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.hpp"
#include "stream_playout_fakes.hpp"

namespace crowdmesh::netaudio {
namespace {

using test::FakeFeed;
using test::FakeMixer;
using test::FakeSink;
using test::feed_sample;
using test::grid_pts;
using test::kCh;
using test::mixer_sample;

constexpr std::uint32_t kBlock = 256;

float fade_in(std::uint32_t i, std::uint32_t n) { return static_cast<float>(i + 1) / static_cast<float>(n + 1); }

// Renders blocks on the mesh grid from frame m0 and keeps the whole output.
struct Player {
  explicit Player(std::int64_t m0 = 480'000) : m(m0), first(m0) {}
  void blocks(StreamPlayout& sp, int count, std::uint32_t n = kBlock) {
    for (int b = 0; b < count; ++b) {
      std::vector<float> o(n * kCh, 9.0f);
      sp.render(o.data(), n, grid_pts(m));
      out.insert(out.end(), o.begin(), o.end());
      m += n;
    }
  }
  std::size_t frames() const { return out.size() / kCh; }
  float at(std::size_t j, int c) const { return out[j * kCh + c]; }
  float max_step() const {
    float step = 0.0f;
    for (std::size_t j = 1; j < frames(); ++j)
      for (int c = 0; c < kCh; ++c) step = std::max(step, std::fabs(at(j, c) - at(j - 1, c)));
    return step;
  }
  std::int64_t m;
  std::int64_t first;
  std::vector<float> out;
};

StreamPlayoutConfig config() {
  StreamPlayoutConfig c;
  c.max_latency_frames = 4800;
  c.max_frames_per_call = 1024;
  return c;
}

// The largest step of the signals themselves (0.5 sin(0.01 k)) is 0.005 per frame; a
// block-long linear fade adds at most amplitude / (n + 1), and a cross-fade the difference / (n + 1).
constexpr float kStepBound = 0.005f + 1.0f / (kBlock + 1) + 1e-4f;

TEST(StreamPlayoutTest, WithoutModesTheOutputIsTheMixerAtTheBlockPts) {
  FakeMixer mixer;
  StreamPlayout sp(config(), mixer.port);
  Player p;
  p.blocks(sp, 3);
  for (std::size_t j = 0; j < p.frames(); ++j) ASSERT_EQ(p.at(j, 1), mixer_sample(j, 1));
  ASSERT_EQ(mixer.pts.size(), 3u);
  EXPECT_EQ(mixer.pts[2], grid_pts(p.first + 2 * kBlock));
  EXPECT_EQ(sp.stats().blocks, 3u);
  EXPECT_FALSE(sp.stats().source);
}

TEST(StreamPlayoutTest, ANullOrDetachedMixerIsSilence) {
  StreamPlayout sp(config(), nullptr);
  Player p;
  p.blocks(sp, 1);
  EXPECT_EQ(std::count(p.out.begin(), p.out.end(), 0.0f), static_cast<long>(p.out.size()));
}

TEST(StreamPlayoutTest, SourceModeLabelsPtsPlusLSendsThemAndPlaysLocallyLFramesLater) {
  constexpr std::uint32_t L = 1000;  // not a block multiple
  FakeMixer mixer;
  auto sink = std::make_shared<FakeSink>();
  StreamPlayout sp(config(), mixer.port);
  Player p;
  p.blocks(sp, 4);
  ASSERT_TRUE(sp.start_source(sink, L));
  const std::size_t e = p.frames();  // output frame (and mixer frame) of the engage
  p.blocks(sp, 20);
  // The mixer renders L frames ahead, on the grid, and the sink gets exactly that.
  ASSERT_EQ(mixer.pts.size(), 24u);
  ASSERT_EQ(sink->pts.size(), 20u);
  for (std::size_t b = 0; b < 20; ++b) {
    const std::int64_t m = p.first + static_cast<std::int64_t>(e + b * kBlock);
    EXPECT_EQ(mixer.pts[4 + b], grid_pts(m + L)) << b;
    EXPECT_EQ(sink->pts[b], grid_pts(m + L)) << b;
  }
  for (std::size_t i = 0; i < sink->frames.size() / kCh; ++i) ASSERT_EQ(sink->frames[i * kCh], mixer_sample(e + i, 0));
  // Local output: the engage block fades out, silence, the delayed audio fades in, then exactly L frames late.
  for (std::size_t j = e; j < p.frames(); ++j)
    for (int c = 0; c < kCh; ++c) {
      float want = 0.0f;
      if (j < e + kBlock) want += mixer_sample(j, c) * (1.0f - fade_in(static_cast<std::uint32_t>(j - e), kBlock));
      if (j >= e + L && j < e + L + kBlock) want += mixer_sample(j - L, c) * fade_in(static_cast<std::uint32_t>(j - L - e), kBlock);
      if (j >= e + L + kBlock) {
        ASSERT_EQ(p.at(j, c), mixer_sample(j - L, c)) << "frame " << j;
      } else {
        ASSERT_NEAR(p.at(j, c), want, 1e-6f) << "frame " << j;
      }
    }
  EXPECT_LT(p.max_step(), kStepBound);
  const auto st = sp.stats();
  EXPECT_TRUE(st.source);
  EXPECT_EQ(st.latency_frames, L);
  EXPECT_EQ(st.sink_drops, 0u);
}

TEST(StreamPlayoutTest, BlocksTheSinkRefusesAreCounted) {
  FakeMixer mixer;
  auto sink = std::make_shared<FakeSink>();
  sink->accept = false;
  StreamPlayout sp(config(), mixer.port);
  ASSERT_TRUE(sp.start_source(sink, 300));
  Player p;
  p.blocks(sp, 5);
  EXPECT_EQ(sp.stats().sink_drops, 5u);
}

TEST(StreamPlayoutTest, ALatencyShorterThanABlockStillDelaysExactly) {
  constexpr std::uint32_t L = 100;
  FakeMixer mixer;
  StreamPlayout sp(config(), mixer.port);
  ASSERT_TRUE(sp.start_source(nullptr, L));
  Player p;
  p.blocks(sp, 4);
  for (std::size_t j = L + kBlock; j < p.frames(); ++j) ASSERT_EQ(p.at(j, 0), mixer_sample(j - L, 0)) << j;
  EXPECT_LT(p.max_step(), kStepBound);
}

TEST(StreamPlayoutTest, ChangingTheLatencyReEngages) {
  FakeMixer mixer;
  StreamPlayout sp(config(), mixer.port);
  ASSERT_TRUE(sp.start_source(nullptr, 500));
  Player p;
  p.blocks(sp, 6);
  ASSERT_TRUE(sp.start_source(nullptr, 2000));
  const std::size_t e = p.frames();
  p.blocks(sp, 16);
  for (std::size_t j = e; j < e + kBlock; ++j)  // the delayed (500) output fades out
    ASSERT_NEAR(p.at(j, 0), mixer_sample(j - 500, 0) * (1.0f - fade_in(static_cast<std::uint32_t>(j - e), kBlock)), 1e-6f);
  for (std::size_t j = e + kBlock; j < e + 2000; ++j) ASSERT_EQ(p.at(j, 0), 0.0f) << j;
  for (std::size_t j = e + 2000 + kBlock; j < p.frames(); ++j) ASSERT_EQ(p.at(j, 0), mixer_sample(j - 2000, 0)) << j;
  EXPECT_EQ(mixer.pts.back(), grid_pts(p.m - kBlock + 2000));
  EXPECT_LT(p.max_step(), kStepBound);
  EXPECT_EQ(sp.stats().latency_frames, 2000u);
}

TEST(StreamPlayoutTest, StopSourceCrossFadesBackToTheUndelayedMixerAndReleasesTheSink) {
  constexpr std::uint32_t L = 700;
  FakeMixer mixer;
  auto sink = std::make_shared<FakeSink>();
  std::weak_ptr<FakeSink> weak = sink;
  StreamPlayout sp(config(), mixer.port);
  ASSERT_TRUE(sp.start_source(std::move(sink), L));
  Player p;
  p.blocks(sp, 8);
  const std::size_t pushes = weak.lock()->pts.size();
  sp.stop_source();
  EXPECT_TRUE(weak.expired()) << "released by stop_source on the control thread";
  const std::size_t s = p.frames();
  p.blocks(sp, 4);
  EXPECT_EQ(pushes, 8u);
  for (std::size_t j = s; j < s + kBlock; ++j) {
    const float g = fade_in(static_cast<std::uint32_t>(j - s), kBlock);
    ASSERT_NEAR(p.at(j, 0), mixer_sample(j - L, 0) * (1.0f - g) + mixer_sample(j, 0) * g, 1e-6f) << j;
  }
  for (std::size_t j = s + kBlock; j < p.frames(); ++j) ASSERT_EQ(p.at(j, 0), mixer_sample(j, 0)) << j;
  EXPECT_EQ(mixer.pts[8], grid_pts(p.first + static_cast<std::int64_t>(s))) << "the mixer is back at the block's PTS";
  EXPECT_FALSE(sp.stats().source);
  EXPECT_LT(p.max_step(), 0.005f + 1.0f / (kBlock + 1) + 1e-4f);
}

TEST(StreamPlayoutTest, RemoteModeOutputsTheFeedAtTheBlockPts) {
  FakeMixer mixer;
  auto feed = std::make_shared<FakeFeed>();
  StreamPlayout sp(config(), mixer.port);
  Player p;
  p.blocks(sp, 2);
  sp.play_remote(feed, false);
  const std::size_t s = p.frames();
  p.blocks(sp, 6);
  ASSERT_EQ(feed->pts.size(), 6u);
  for (std::size_t b = 0; b < 6; ++b) EXPECT_EQ(feed->pts[b], grid_pts(p.first + static_cast<std::int64_t>(s + b * kBlock)));
  EXPECT_EQ(mixer.pts.size(), 8u) << "the mixer goes on rendering";
  for (std::size_t j = s; j < s + kBlock; ++j) {  // cross-fade from the local output to the feed
    const float g = fade_in(static_cast<std::uint32_t>(j - s), kBlock);
    const std::int64_t m = p.first + static_cast<std::int64_t>(j);
    ASSERT_NEAR(p.at(j, 1), mixer_sample(j, 1) * (1.0f - g) + feed_sample(m, 1) * g, 1e-6f);
  }
  for (std::size_t j = s + kBlock; j < p.frames(); ++j)
    ASSERT_EQ(p.at(j, 1), feed_sample(p.first + static_cast<std::int64_t>(j), 1)) << j;
  const auto st = sp.stats();
  EXPECT_TRUE(st.remote);
  EXPECT_FALSE(st.mix_local);
  EXPECT_TRUE(st.remote_started);
  EXPECT_EQ(st.remote_frames, 6u * kBlock);
}

TEST(StreamPlayoutTest, MixLocalSumsTheFeedAndTheMixer) {
  FakeMixer mixer;
  auto feed = std::make_shared<FakeFeed>();
  feed->missing_per_read = 3;
  StreamPlayout sp(config(), mixer.port);
  sp.play_remote(feed, true);
  Player p;
  p.blocks(sp, 4);
  for (std::size_t j = kBlock; j < p.frames(); ++j)
    ASSERT_FLOAT_EQ(p.at(j, 0), mixer_sample(j, 0) + feed_sample(p.first + static_cast<std::int64_t>(j), 0)) << j;
  for (std::size_t j = 0; j < kBlock; ++j)  // the feed fades in, the local output stays
    ASSERT_NEAR(p.at(j, 0),
                mixer_sample(j, 0) + feed_sample(p.first + static_cast<std::int64_t>(j), 0) *
                                         fade_in(static_cast<std::uint32_t>(j), kBlock),
                1e-6f);
  EXPECT_TRUE(sp.stats().mix_local);
  EXPECT_EQ(sp.stats().remote_missing_frames, 12u);
}

TEST(StreamPlayoutTest, StopRemoteFadesOutInOneBlockThenReleasesTheFeed) {
  FakeMixer mixer;
  auto feed = std::make_shared<FakeFeed>();
  std::weak_ptr<FakeFeed> weak = feed;
  StreamPlayout sp(config(), mixer.port);
  sp.play_remote(std::move(feed), false);
  Player p;
  p.blocks(sp, 3);
  sp.stop_remote();
  EXPECT_FALSE(weak.expired()) << "the render thread still fades it out";
  const std::size_t s = p.frames();
  p.blocks(sp, 3);
  EXPECT_EQ(weak.lock()->pts.size(), 4u) << "read for the fade-out block only";
  for (std::size_t j = s; j < s + kBlock; ++j) {
    const float g = fade_in(static_cast<std::uint32_t>(j - s), kBlock);
    ASSERT_NEAR(p.at(j, 0), feed_sample(p.first + static_cast<std::int64_t>(j), 0) * (1.0f - g) + mixer_sample(j, 0) * g,
                1e-6f);
  }
  for (std::size_t j = s + kBlock; j < p.frames(); ++j) ASSERT_EQ(p.at(j, 0), mixer_sample(j, 0));
  EXPECT_FALSE(sp.stats().remote);
  sp.release_unused();
  EXPECT_TRUE(weak.expired());
}

TEST(StreamPlayoutTest, ReplacingTheFeedCrossFadesAndReleasesTheOldOne) {
  FakeMixer mixer;
  auto a = std::make_shared<FakeFeed>();
  auto b = std::make_shared<FakeFeed>();
  std::weak_ptr<FakeFeed> weak_a = a;
  StreamPlayout sp(config(), mixer.port);
  sp.play_remote(std::move(a), false);
  Player p;
  p.blocks(sp, 2);
  sp.play_remote(b, false);
  p.blocks(sp, 2);
  EXPECT_EQ(weak_a.lock()->pts.size(), 3u);
  EXPECT_EQ(b->pts.size(), 2u);
  sp.release_unused();
  EXPECT_TRUE(weak_a.expired());
  // Both feeds give the same frames per PTS: the cross-fade is seamless.
  for (std::size_t j = kBlock; j < p.frames(); ++j)
    ASSERT_NEAR(p.at(j, 0), feed_sample(p.first + static_cast<std::int64_t>(j), 0), 1e-6f);
}

TEST(StreamPlayoutTest, SourceAndRemoteTogetherMixTheFeedAtThePtsIntoTheDelayedOutput) {
  constexpr std::uint32_t L = 512;
  FakeMixer mixer;
  auto feed = std::make_shared<FakeFeed>();
  StreamPlayout sp(config(), mixer.port);
  ASSERT_TRUE(sp.start_source(nullptr, L));
  sp.play_remote(feed, true);
  Player p;
  p.blocks(sp, 6);
  for (std::size_t b = 0; b < 6; ++b) EXPECT_EQ(feed->pts[b], grid_pts(p.first + static_cast<std::int64_t>(b * kBlock)));
  for (std::size_t j = L + kBlock; j < p.frames(); ++j)
    ASSERT_FLOAT_EQ(p.at(j, 0), mixer_sample(j - L, 0) + feed_sample(p.first + static_cast<std::int64_t>(j), 0));
}

TEST(StreamPlayoutTest, ABadLatencyIsRefusedAndChangesNothing) {
  FakeMixer mixer;
  auto sink = std::make_shared<FakeSink>();
  StreamPlayout sp(config(), mixer.port);
  for (std::uint32_t bad : {0u, 4801u}) {
    const auto r = sp.start_source(sink, bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
    EXPECT_NE(error_sentence(r.error()).find(std::to_string(bad)), std::string::npos) << error_sentence(r.error());
    EXPECT_NE(error_sentence(r.error()).find("1..4800"), std::string::npos) << error_sentence(r.error());
  }
  Player p;
  p.blocks(sp, 2);
  EXPECT_FALSE(sp.stats().source);
  EXPECT_TRUE(sink->pts.empty());
  for (std::size_t j = 0; j < p.frames(); ++j) ASSERT_EQ(p.at(j, 0), mixer_sample(j, 0));
  // While engaged, a bad latency keeps the one in force.
  ASSERT_TRUE(sp.start_source(sink, 300));
  p.blocks(sp, 1);
  EXPECT_FALSE(sp.start_source(sink, 0));
  p.blocks(sp, 1);
  EXPECT_EQ(sp.stats().latency_frames, 300u);
  EXPECT_EQ(sink->pts.size(), 2u);
}

TEST(StreamPlayoutTest, ACallLongerThanTheScratchIsCutIntoBlocksOnTheGrid) {
  FakeMixer mixer;
  StreamPlayout sp(config(), mixer.port);  // 1024 frames per block at most
  Player p;
  p.blocks(sp, 1, 2500);
  ASSERT_EQ(mixer.pts.size(), 3u);
  EXPECT_EQ(mixer.pts[1], grid_pts(p.first + 1024));
  EXPECT_EQ(mixer.pts[2], grid_pts(p.first + 2048));
  for (std::size_t j = 0; j < p.frames(); ++j) ASSERT_EQ(p.at(j, 0), mixer_sample(j, 0));
}

}  // namespace
}  // namespace crowdmesh::netaudio
