#include "structure/section_render.hpp"

#include <gtest/gtest.h>
#include <sndfile.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "audio_files.hpp"
#include "common/error.hpp"

namespace crowdmesh::structure {
namespace {

constexpr int kRate = 44100;
constexpr double kBeat = 0.5;  // 120 BPM

/// A 12 s stereo click track at 120 BPM.
std::string click_track(const std::filesystem::path& dir) {
  const auto path = (dir / "click120.wav").string();
  EXPECT_TRUE(test::write_click_track_wav(path, kRate, 2, 12, 120));
  return path;
}

std::vector<float> read_left(const std::string& path, int* rate) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  std::vector<float> all(static_cast<std::size_t>(info.frames) * info.channels);
  sf_readf_float(f, all.data(), info.frames);
  sf_close(f);
  *rate = info.samplerate;
  std::vector<float> left(static_cast<std::size_t>(info.frames));
  for (std::size_t i = 0; i < left.size(); ++i) left[i] = all[i * info.channels];
  return left;
}

/// Onsets: the first sample above half the click's level after 100 ms of quiet.
std::vector<double> onsets(const std::vector<float>& x, int rate) {
  std::vector<double> out;
  std::size_t quiet_until = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (i >= quiet_until && std::fabs(x[i]) > 0.3f) {
      out.push_back(static_cast<double>(i) / rate);
      quiet_until = i + static_cast<std::size_t>(0.1 * rate);
    }
  }
  return out;
}

class SectionRenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cm-render-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    input_ = click_track(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string input_;
};

TEST_F(SectionRenderTest, SectionLastsItsLengthOverSpeedAndBeatsLandOnTheTargetGrid) {
  SectionRenderSpec spec;
  spec.input = input_;
  spec.start_s = 2.0;
  spec.end_s = 10.0;
  spec.speed = 126.0 / 120.0;
  spec.output = (dir_ / "part.wav").string();
  spec.format = PartFormat::wav_float;
  auto r = render_section(spec);
  ASSERT_TRUE(r) << error_sentence(r.error());
  const double expected = 8.0 / spec.speed;
  EXPECT_NEAR(r->seconds(), expected, 0.001);
  int rate = 0;
  const auto left = read_left(spec.output, &rate);
  EXPECT_NEAR(static_cast<double>(left.size()) / rate, expected, 0.001);
  const auto found = onsets(left, rate);
  ASSERT_GE(found.size(), 15u);
  const double grid = kBeat / spec.speed;  // 126 BPM
  double worst = 0;
  for (double t : found) worst = std::max(worst, std::fabs(t - std::round(t / grid) * grid));
  std::printf("%zu onsets, worst distance from the 126 BPM grid %.2f ms\n", found.size(), worst * 1e3);
  EXPECT_LT(worst, 0.002);
}

TEST_F(SectionRenderTest, RateConversionKeepsTheDuration) {
  SectionRenderSpec spec;
  spec.input = input_;
  spec.start_s = 1.0;
  spec.end_s = 5.0;
  spec.speed = 0.9;
  spec.rate_hz = 48000;
  spec.output = (dir_ / "part48.flac").string();
  spec.format = PartFormat::flac16;
  auto r = render_section(spec);
  ASSERT_TRUE(r) << error_sentence(r.error());
  EXPECT_EQ(r->rate_hz, 48000);
  EXPECT_NEAR(r->seconds(), 4.0 / 0.9, 0.001);
}

TEST_F(SectionRenderTest, BadSectionsAndSpeedsAreNamed) {
  SectionRenderSpec spec;
  spec.input = input_;
  spec.start_s = 4;
  spec.end_s = 20;
  spec.output = (dir_ / "x.wav").string();
  auto past = render_section(spec);
  ASSERT_FALSE(past);
  EXPECT_NE(error_sentence(past.error()).find("past the end of the file (12 s)"), std::string::npos)
      << error_sentence(past.error());
  spec.end_s = 8;
  spec.speed = 3;
  auto fast = render_section(spec);
  ASSERT_FALSE(fast);
  EXPECT_NE(error_sentence(fast.error()).find("speed 3 is out of range; allowed: 0.5..2"), std::string::npos);
  spec.speed = 1;
  spec.output = "/nonexistent-dir/x.wav";
  auto unwritable = render_section(spec);
  ASSERT_FALSE(unwritable);
  EXPECT_EQ(error_code(unwritable.error()), errc::io_error);
  EXPECT_NE(error_sentence(unwritable.error()).find("/nonexistent-dir/x.wav"), std::string::npos);
}

}  // namespace
}  // namespace crowdmesh::structure
