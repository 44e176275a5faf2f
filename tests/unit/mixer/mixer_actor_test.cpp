// The mixer actor with a real stretch actor and generated files.
#include "mixer/mixer_actor.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "caf/all.hpp"
#include "audio_files.hpp"
#include "common/error.hpp"

namespace crowdmesh::mixer {
namespace {

using namespace std::chrono_literals;

class MixerActorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.add_error_category(caf::atom("crowdmesh"), render_error);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    dir_ = test::make_temp_dir("crowdmesh-mixer");
    ASSERT_TRUE(test::write_sine_wav(dir_ + "/a.wav", 44100, 2, 2.0, 440.0));
    stretch::StretchConfig scfg;
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

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::string dir_;
  stretch::StretchActor stretch_;
  MixerActor mixer_;
};

TEST_F(MixerActorTest, StartTogetherWaitsForALoadingDeckThenStartsIt) {
  caf::scoped_actor self{*sys_};
  // Load without waiting for the reply, then ask to start at once: the deck is
  // still loading, and the start must wait for it instead of skipping it.
  self->send(mixer_, load_atom_v, DeckId::A, std::uint32_t{1}, dir_ + "/a.wav", false, 120.0);
  StartReport report;
  self->request(mixer_, 5s, start_atom_v, std::vector<std::string>{"A"}, 3.0)
      .receive([&](StartReport& r) { report = r; }, [&](caf::error& e) { FAIL() << error_sentence(e); });
  ASSERT_EQ(report.started, std::vector<std::string>{"A"});
  EXPECT_TRUE(report.not_ready.empty());
}

TEST_F(MixerActorTest, StartTogetherReportsDecksThatCannotStartWithTheReason) {
  caf::scoped_actor self{*sys_};
  self->request(mixer_, 5s, load_atom_v, DeckId::A, std::uint32_t{1}, dir_ + "/a.wav", false, 120.0)
      .receive([](BufferStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  self->request(mixer_, 5s, load_atom_v, DeckId::B, std::uint32_t{1}, dir_ + "/missing.wav", false, 120.0)
      .receive([](BufferStatus&) { FAIL() << "a missing file must not load"; }, [](caf::error&) {});
  StartReport report;
  self->request(mixer_, 5s, start_atom_v, std::vector<std::string>{"A", "B", "C", "Z"}, 0.2)
      .receive([&](StartReport& r) { report = r; }, [&](caf::error& e) { FAIL() << error_sentence(e); });
  EXPECT_EQ(report.started, std::vector<std::string>{"A"});
  ASSERT_EQ(report.not_ready.size(), 3u);
  const auto all = report.not_ready[0] + report.not_ready[1] + report.not_ready[2];
  EXPECT_NE(all.find("missing.wav"), std::string::npos) << all;
  EXPECT_NE(all.find("deck C has no buffer loaded"), std::string::npos) << all;
  EXPECT_NE(all.find("Z: unknown deck"), std::string::npos) << all;
}

TEST_F(MixerActorTest, RenderReturnsTheRequestedFramesOfMusic) {
  caf::scoped_actor self{*sys_};
  self->request(mixer_, 5s, load_atom_v, DeckId::A, std::uint32_t{1}, dir_ + "/a.wav", false, 120.0)
      .receive([](BufferStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  self->request(mixer_, 5s, play_atom_v, DeckId::A)
      .receive([](DeckStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  AudioBlock block;
  self->request(mixer_, 5s, render_atom_v, std::uint32_t{48000}, std::int64_t{0})
      .receive([&](AudioBlock& b) { block = b; }, [&](caf::error& e) { FAIL() << error_sentence(e); });
  ASSERT_EQ(block.frames, 48000u);
  ASSERT_EQ(block.samples->size(), 96000u);
  double sum = 0;
  for (std::size_t i = 48000; i < block.samples->size(); ++i) sum += (*block.samples)[i] * (*block.samples)[i];
  EXPECT_GT(sum / 48000.0, 0.05) << "a 0.5 sine has mean square 0.125";
}

TEST_F(MixerActorTest, RenderOfZeroFramesIsRefusedWithTheRange) {
  caf::scoped_actor self{*sys_};
  self->request(mixer_, 5s, render_atom_v, std::uint32_t{0}, std::int64_t{0})
      .receive([](AudioBlock&) { FAIL() << "0 frames must be refused"; },
               [&](caf::error& e) { EXPECT_NE(error_sentence(e).find("allowed: 1 to 65536"), std::string::npos); });
}

TEST_F(MixerActorTest, EqChangesOnlyTheNamedBandOfTheNamedDeck) {
  caf::scoped_actor self{*sys_};
  DeckStatus after;
  self->request(mixer_, 5s, eq_atom_v, DeckId::B, dsp::EqBand::mid, -6.0)
      .receive([&](DeckStatus& d) { after = d; }, [&](caf::error& e) { FAIL() << error_sentence(e); });
  EXPECT_EQ(after.deck, DeckId::B);
  EXPECT_FLOAT_EQ(after.eq_db[0], 0.0f);
  EXPECT_FLOAT_EQ(after.eq_db[1], -6.0f);
  EXPECT_FLOAT_EQ(after.eq_db[2], 0.0f);
  MixerStatus st;
  self->request(mixer_, 5s, status_atom_v).receive([&](MixerStatus& s) { st = s; }, [](caf::error&) {});
  EXPECT_FLOAT_EQ(st.decks[0].eq_db[1], 0.0f) << "deck A was not asked";
}

TEST_F(MixerActorTest, SeekMovesThePlayHeadAndKeepsPlaying) {
  caf::scoped_actor self{*sys_};
  self->request(mixer_, 5s, load_atom_v, DeckId::A, std::uint32_t{1}, dir_ + "/a.wav", false, 120.0)
      .receive([](BufferStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  self->request(mixer_, 5s, play_atom_v, DeckId::A)
      .receive([](DeckStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  DeckStatus after;
  self->request(mixer_, 5s, seek_atom_v, DeckId::A, 1.5)
      .receive([&](DeckStatus& d) { after = d; }, [&](caf::error& e) { FAIL() << error_sentence(e); });
  ASSERT_EQ(after.buffers.size(), 1u);
  EXPECT_EQ(after.buffers[0].state, BufferState::playing);
  EXPECT_NEAR(after.buffers[0].position_seconds, 1.5, 1e-3);
  // The rest of the 2 s file: 0.5 s of sine, then the buffer ends.
  AudioBlock block;
  self->request(mixer_, 5s, render_atom_v, std::uint32_t{48000}, std::int64_t{0})
      .receive([&](AudioBlock& b) { block = b; }, [&](caf::error& e) { FAIL() << error_sentence(e); });
  double early = 0, late = 0;
  for (std::size_t i = 0; i < 20000 * 2; ++i) early += (*block.samples)[i] * (*block.samples)[i];
  for (std::size_t i = 30000 * 2; i < 48000 * 2; ++i) late += (*block.samples)[i] * (*block.samples)[i];
  EXPECT_GT(early / 40000.0, 0.05);
  EXPECT_LT(late / 36000.0, 1e-6) << "after the end of the file the deck is silent";
}

TEST_F(MixerActorTest, SeekAndLoopOfOneBufferLeaveTheOtherBufferAlone) {
  caf::scoped_actor self{*sys_};
  for (std::uint32_t id : {1u, 2u})
    self->request(mixer_, 5s, load_atom_v, DeckId::A, id, dir_ + "/a.wav", false, 120.0)
        .receive([](BufferStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  DeckStatus after;
  self->request(mixer_, 5s, seek_atom_v, DeckId::A, std::uint32_t{2}, 1.5)
      .receive([&](DeckStatus& d) { after = d; }, [&](caf::error& e) { FAIL() << error_sentence(e); });
  self->request(mixer_, 5s, loop_atom_v, DeckId::A, std::uint32_t{2}, true)
      .receive([&](DeckStatus& d) { after = d; }, [&](caf::error& e) { FAIL() << error_sentence(e); });
  ASSERT_EQ(after.buffers.size(), 2u);
  EXPECT_NEAR(after.buffers[0].position_seconds, 0.0, 1e-3) << "buffer 1 was not asked to move";
  EXPECT_NEAR(after.buffers[1].position_seconds, 1.5, 1e-3);
  EXPECT_FALSE(after.buffers[0].loop);
  EXPECT_TRUE(after.buffers[1].loop);
  self->request(mixer_, 5s, seek_atom_v, DeckId::A, std::uint32_t{7}, 1.0)
      .receive([](DeckStatus&) { FAIL() << "buffer 7 is not loaded"; },
               [&](caf::error& e) { EXPECT_EQ(error_sentence(e), "deck A has no buffer 7 (loaded: 1, 2)"); });
}

TEST_F(MixerActorTest, DeckLevelsNeedOneGainPerDeckAndARefusedRequestChangesNothing) {
  caf::scoped_actor self{*sys_};
  self->request(mixer_, 5s, levels_atom_v, std::vector<DeckId>{DeckId::A, DeckId::B}, std::vector<double>{-6.0}, 0.0)
      .receive([](DeckStatus&) { FAIL() << "two decks, one gain"; },
               [&](caf::error& e) { EXPECT_NE(error_sentence(e).find("2 decks and 1 gains"), std::string::npos); });
  self->request(mixer_, 5s, levels_atom_v, std::vector<DeckId>{DeckId::A, DeckId::B}, std::vector<double>{-6.0, 40.0},
                0.0)
      .receive([](DeckStatus&) { FAIL() << "+40 dB is out of range"; }, [](caf::error&) {});
  MixerStatus st;
  self->request(mixer_, 5s, status_atom_v).receive([&](MixerStatus& s) { st = s; }, [](caf::error&) {});
  EXPECT_NEAR(st.decks[0].gain_db, 0.0f, 1e-3f) << "deck A must not change when the request is refused";
  self->request(mixer_, 5s, levels_atom_v, std::vector<DeckId>{DeckId::A, DeckId::B}, std::vector<double>{-6.0, -12.0},
                2.0)
      .receive([&](DeckStatus& d) { EXPECT_EQ(d.deck, DeckId::B); },
               [&](caf::error& e) { FAIL() << error_sentence(e); });
  self->request(mixer_, 5s, status_atom_v).receive([&](MixerStatus& s) { st = s; }, [](caf::error&) {});
  EXPECT_NEAR(st.decks[0].gain_db, -6.0f, 1e-3f);
  EXPECT_NEAR(st.decks[1].gain_db, -12.0f, 1e-3f);
}

TEST_F(MixerActorTest, NegativeSeekIsRefusedWithTheRange) {
  caf::scoped_actor self{*sys_};
  self->request(mixer_, 5s, load_atom_v, DeckId::A, std::uint32_t{1}, dir_ + "/a.wav", false, 120.0)
      .receive([](BufferStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  self->request(mixer_, 5s, seek_atom_v, DeckId::A, -1.0)
      .receive([](DeckStatus&) { FAIL() << "a negative position must be refused"; },
               [&](caf::error& e) {
                 EXPECT_EQ(error_sentence(e), "seek position -1 s is out of range (allowed: 0 s or more)");
               });
}

// The reader reopens at seconds × the file's rate (int64 frames). Before the
// check a seek to 1e300 s converted 1e300 × 44100 to int64: undefined
// behaviour, caught by the sanitizer build; now each is a range error that
// names the value and the file's length.
TEST_F(MixerActorTest, SeekBeyondTheEndOfTheFileIsRefusedWithTheFileLength) {
  caf::scoped_actor self{*sys_};
  self->request(mixer_, 5s, load_atom_v, DeckId::A, std::uint32_t{1}, dir_ + "/a.wav", false, 120.0)
      .receive([](BufferStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  for (double far : {1e300, 9.223372036854775807e18, 2.5}) {
    self->request(mixer_, 5s, seek_atom_v, DeckId::A, far)
        .receive([&](DeckStatus&) { FAIL() << "seek to " << far << " s of a 2 s file"; },
                 [&](caf::error& e) {
                   EXPECT_EQ(error_code(e), errc::value_out_of_range) << error_sentence(e);
                   EXPECT_NE(error_sentence(e).find(" s is out of range (allowed: 0 to 2 s, the length of "),
                             std::string::npos)
                       << error_sentence(e);
                 });
  }
  DeckStatus after;
  self->request(mixer_, 5s, seek_atom_v, DeckId::A, 1.0)
      .receive([&](DeckStatus& d) { after = d; }, [&](caf::error& e) { FAIL() << error_sentence(e); });
  ASSERT_EQ(after.buffers.size(), 1u) << "the refused seeks left the buffer in place";
  EXPECT_NEAR(after.buffers[0].position_seconds, 1.0, 1e-3);
}

TEST_F(MixerActorTest, StretchMethodSwitchesPerDeckAndRefusesADeckWithoutBuffers) {
  caf::scoped_actor self{*sys_};
  self->request(mixer_, 5s, load_atom_v, DeckId::A, std::uint32_t{1}, dir_ + "/a.wav", false, 120.0)
      .receive([](BufferStatus&) {}, [&](caf::error& e) { FAIL() << error_sentence(e); });
  auto method_of_a = [&] {
    std::string method;
    self->request(mixer_, 5s, status_atom_v)
        .receive([&](MixerStatus& s) { method = s.decks[0].stretch_method; },
                 [&](caf::error& e) { FAIL() << error_sentence(e); });
    return method;
  };
  EXPECT_EQ(method_of_a(), "playback_rate");
  self->request(mixer_, 5s, method_atom_v, DeckId::A, stretch::StretchMethod::soundtouch)
      .receive([](DeckStatus& d) { EXPECT_EQ(d.buffers.size(), 1u); },
               [&](caf::error& e) { FAIL() << error_sentence(e); });
  EXPECT_EQ(method_of_a(), "soundtouch");
  self->request(mixer_, 5s, method_atom_v, DeckId::B, stretch::StretchMethod::soundtouch)
      .receive([](DeckStatus&) { FAIL() << "a deck without buffers has nothing to switch"; },
               [&](caf::error& e) { EXPECT_EQ(error_sentence(e), "deck B has no loaded buffer"); });
}

}  // namespace
}  // namespace crowdmesh::mixer
