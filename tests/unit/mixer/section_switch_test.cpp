// A section switch rendered offline through the mixer actor and a real stretch
// actor: a click track whose section 2 clicks louder than the rest, cued at
// section 1 (looped), then switched to section 2 on the next downbeat while the
// mesh plays it 1.25 times faster than recorded.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "audio_files.hpp"
#include "caf/all.hpp"
#include "common/error.hpp"
#include "mixer/mixer_actor.hpp"

namespace crowdmesh::mixer {
namespace {

using namespace std::chrono_literals;

constexpr int kRate = 48000;
constexpr std::uint32_t kPeriod = 256;            // frames per render: the device period
constexpr std::int64_t kStartPts = 1'000'000'000;  // mesh time of the first rendered frame
constexpr double kNativeBpm = 120;
constexpr double kMeshBpm = 150;  // tempo ratio 1.25
constexpr float kQuiet = 0.3f;    // click peak outside section 2
constexpr float kLoud = 0.8f;     // click peak inside section 2, [8, 12) s

// 24 s, mono, a 5 ms 2 kHz click on every beat at 120 BPM (every 0.5 s).
bool write_section_clicks(const std::string& path) {
  const std::size_t frames = 24 * kRate;
  std::vector<float> pcm(frames, 0.0f);
  const std::size_t burst = kRate / 200;
  for (std::size_t beat = 0; beat * kRate / 2 < frames; ++beat) {
    const std::size_t at = beat * kRate / 2;
    const double t = static_cast<double>(at) / kRate;
    const float peak = t >= 8.0 && t < 12.0 ? kLoud : kQuiet;
    for (std::size_t i = 0; i < burst; ++i)
      pcm[at + i] = peak * static_cast<float>(std::sin(2 * M_PI * 2000.0 * static_cast<double>(i) / kRate));
  }
  SF_INFO info{};
  info.samplerate = kRate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) return false;
  sf_writef_float(f, pcm.data(), static_cast<sf_count_t>(frames));
  return sf_close(f) == 0;
}

struct Onset {
  std::size_t frame;
  float peak;
};

// Click onsets in channel 0: the first sample above 0.1 after 50 ms below it,
// with the click's peak over the next 5 ms.
std::vector<Onset> onsets(const std::vector<float>& stereo) {
  std::vector<Onset> out;
  const std::size_t frames = stereo.size() / 2;
  std::size_t quiet = kRate;
  for (std::size_t n = 0; n < frames; ++n) {
    const float x = std::fabs(stereo[2 * n]);
    if (x > 0.1f && quiet >= static_cast<std::size_t>(kRate / 20)) {
      float peak = 0;
      for (std::size_t k = n; k < std::min(frames, n + kRate / 200); ++k) peak = std::max(peak, std::fabs(stereo[2 * k]));
      out.push_back({n, peak});
    }
    quiet = x > 0.1f ? 0 : quiet + 1;
  }
  return out;
}

class SectionSwitchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.add_error_category(caf::atom("crowdmesh"), render_error);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    dir_ = test::make_temp_dir("crowdmesh-section");
    path_ = dir_ + "/sections.wav";
    ASSERT_TRUE(write_section_clicks(path_));
    stretch::StretchConfig scfg;
    scfg.initial_bpm = kMeshBpm;
    stretch_ = stretch::spawn_stretch_actor(*sys_, scfg);
    MixerActorConfig mcfg;
    mcfg.stretch = stretch_;
    mcfg.offline = true;
    mixer_ = spawn_mixer_actor(*sys_, mcfg);
  }
  void TearDown() override {
    caf::scoped_actor self{*sys_};
    self->send_exit(mixer_, caf::exit_reason::user_shutdown);
    self->send_exit(stretch_, caf::exit_reason::user_shutdown);
    std::filesystem::remove_all(dir_);
  }

  // Renders `frames` more frames in periods, appending to out_.
  void render(caf::scoped_actor& self, std::size_t frames) {
    for (std::size_t done = 0; done < frames; done += kPeriod) {
      const auto pts = kStartPts + static_cast<std::int64_t>(std::llround(static_cast<double>(out_.size() / 2) * 1e9 / kRate));
      self->request(mixer_, 5s, render_atom_v, kPeriod, pts)
          .receive([&](AudioBlock& b) { out_.insert(out_.end(), b.samples->begin(), b.samples->end()); },
                   [&](caf::error& e) { FAIL() << error_sentence(e); });
    }
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::string dir_;
  std::string path_;
  stretch::StretchActor stretch_;
  MixerActor mixer_;
  std::vector<float> out_;
};

TEST_F(SectionSwitchTest, SwitchLandsOnTheDownbeatWithinOnePeriodAtTheMeshTempo) {
  caf::scoped_actor self{*sys_};
  const PlayRegion section1{4, 8, true};
  const PlayRegion section2{8, 12, true};
  self->request(mixer_, 10s, section_atom_v, DeckId::A, std::uint32_t{1}, path_, kNativeBpm, section1)
      .receive([](BufferStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  self->request(mixer_, 5s, play_atom_v, DeckId::A)
      .receive([](DeckStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  render(self, kRate);  // 1 s of mesh time: 1.25 s of the file, at 5.25 s
  std::vector<double> downbeats;
  for (double d = 0; d < 24; d += 2) downbeats.push_back(d);
  SectionSwitch plan;
  self->request(mixer_, 10s, section_atom_v, DeckId::A, std::uint32_t{1}, downbeats, section1, section2)
      .receive([&](SectionSwitch& s) { plan = s; }, [&](caf::error& e) { FAIL() << error_sentence(e); });
  ASSERT_GT(plan.at_ns, 0);
  EXPECT_EQ(plan.late_ns, 0);
  EXPECT_EQ(plan.downbeat_seconds, 6.0) << "from " << plan.from_seconds << " s, 0.5 s ahead at ratio 1.25";
  render(self, 2 * kRate);

  // The frame whose PTS reaches the switch time, and the beat at the mesh tempo.
  const auto switch_frame = static_cast<std::int64_t>(std::ceil((plan.at_ns - kStartPts) * 1e-9 * kRate));
  const double beat_frames = 60.0 / kMeshBpm * kRate;  // 19200
  const auto clicks = onsets(out_);
  const Onset* first_loud = nullptr;
  const Onset* last_quiet = nullptr;
  for (const auto& c : clicks) {
    if (c.peak > 0.6f) {
      first_loud = &c;
      break;
    }
    last_quiet = &c;
  }
  ASSERT_NE(first_loud, nullptr) << "section 2 never played";
  ASSERT_NE(last_quiet, nullptr);
  const auto landing = static_cast<std::int64_t>(first_loud->frame) - switch_frame;
  const double grid_error = static_cast<double>(first_loud->frame - last_quiet->frame) - beat_frames;
  std::printf("section switch: first click of section 2 at %+lld frames from the switch frame; "
              "%+.0f frames off the beat grid of section 1 (period %u frames)\n",
              static_cast<long long>(landing), grid_error, kPeriod);
  EXPECT_LE(std::llabs(landing), static_cast<long long>(kPeriod));
  EXPECT_LE(std::fabs(grid_error), static_cast<double>(kPeriod));
  // Section 2 goes on at the mesh tempo: its next click one beat later, loud.
  const auto next = first_loud + 1;
  ASSERT_NE(next, clicks.data() + clicks.size());
  EXPECT_GT(next->peak, 0.6f);
  EXPECT_NEAR(static_cast<double>(next->frame - first_loud->frame), beat_frames, 8.0);
}

TEST_F(SectionSwitchTest, SwitchOfADeckThatDoesNotPlayIsRefusedAndChangesNothing) {
  caf::scoped_actor self{*sys_};
  const PlayRegion section1{4, 8, true};
  self->request(mixer_, 10s, section_atom_v, DeckId::A, std::uint32_t{1}, path_, kNativeBpm, section1)
      .receive([](BufferStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  self->request(mixer_, 10s, section_atom_v, DeckId::A, std::uint32_t{1}, std::vector<double>{4, 6, 8}, section1,
                PlayRegion{8, 12, true})
      .receive([](SectionSwitch&) { FAIL() << "a deck that does not play has no next downbeat"; },
               [&](caf::error& e) {
                 EXPECT_EQ(error_code(e), errc::not_ready);
                 EXPECT_NE(error_sentence(e).find("deck A is not playing"), std::string::npos) << error_sentence(e);
               });
  MixerStatus st;
  self->request(mixer_, 5s, status_atom_v).receive([&](MixerStatus& s) { st = s; }, [](caf::error&) {});
  ASSERT_EQ(st.decks[0].buffers.size(), 1u);
  EXPECT_EQ(st.decks[0].buffers[0].info.start_seconds, 4.0) << "still the cued section";
}

}  // namespace
}  // namespace crowdmesh::mixer
