// The command router with this node's real actors (mixer, stretch, tempo) and
// no sockets: each test sends one wire command and checks the one reply.
#include "command_router.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "audio_files.hpp"
#include "caf/all.hpp"
#include "command_handlers.hpp"
#include "common/error.hpp"
#include "common/local_clock.hpp"
#include "tempo/tempo_actor.hpp"

namespace crowdmesh::node {
namespace {

namespace v1 = crowdmesh::v1;
using namespace std::chrono_literals;

class CommandRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.add_error_category(caf::atom("crowdmesh"), render_error);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    dir_ = test::make_temp_dir("crowdmesh-router");
    ASSERT_TRUE(test::write_sine_wav(dir_ + "/a.wav", 48000, 2, 30.0, 440.0));
    stretch_ = stretch::spawn_stretch_actor(*sys_, stretch::StretchConfig{});
    mixer::MixerActorConfig mcfg;
    mcfg.stretch = stretch_;
    mcfg.offline = true;
    mixer_ = mixer::spawn_mixer_actor(*sys_, mcfg);
    tempo::TempoActorConfig tcfg;
    tcfg.mesh_time_ns = local_now_ns;
    tcfg.publish = [](double, std::int64_t) {};
    tempo_ = tempo::spawn_tempo_actor(*sys_, tcfg);
    router_cfg_.node = "room-a";
    router_cfg_.mixer = mixer_;
    router_cfg_.stretch = stretch_;
    router_cfg_.tempo = tempo_;
  }
  void TearDown() override {
    std::this_thread::sleep_for(50ms);  // a second reply would come now
    for (std::size_t i = 0; i < replies_.size(); ++i)
      EXPECT_EQ(replies_[i]->load(), 1) << "request " << i << " must get exactly one reply";
    caf::scoped_actor self{*sys_};
    if (router_) self->send_exit(router_, caf::exit_reason::user_shutdown);
    self->send_exit(mixer_, caf::exit_reason::user_shutdown);
    self->send_exit(tempo_, caf::exit_reason::user_shutdown);
    self->send_exit(stretch_, caf::exit_reason::user_shutdown);
    std::filesystem::remove_all(dir_);
  }

  // The router, spawned at the first request from router_cfg_ (a test may
  // change the config before it sends anything).
  caf::actor router() {
    if (!router_) router_ = spawn_command_router(*sys_, router_cfg_);
    return router_;
  }

  // Sends one envelope and waits for its reply; every test then checks that
  // no second reply came (TearDown).
  v1::Reply send(const v1::Envelope& env) {
    auto done = std::make_shared<std::promise<v1::Reply>>();
    auto reply = done->get_future();
    auto count = std::make_shared<std::atomic<int>>(0);
    replies_.push_back(count);
    caf::anon_send(router(), NodeRequest{std::make_shared<v1::Envelope>(env), [done, count](v1::Reply r) {
                                           if (count->fetch_add(1) == 0) done->set_value(std::move(r));
                                         }});
    if (reply.wait_for(20s) != std::future_status::ready) {
      ADD_FAILURE() << "no reply within 20 s";
      return {};
    }
    return reply.get();
  }
  // Sends without waiting; the future holds the first reply.
  std::future<v1::Reply> send_async(const v1::Command& c) {
    v1::Envelope env;
    *env.mutable_command() = c;
    return send_async(env);
  }
  std::future<v1::Reply> send_async(const v1::Envelope& e) {
    auto env = std::make_shared<v1::Envelope>(e);
    auto done = std::make_shared<std::promise<v1::Reply>>();
    auto once = std::make_shared<std::atomic<int>>(0);
    caf::anon_send(router(), NodeRequest{env, [done, once](v1::Reply r) {
                                           if (once->fetch_add(1) == 0) done->set_value(std::move(r));
                                         }});
    return done->get_future();
  }

  v1::Reply send(const v1::Command& c) {
    v1::Envelope env;
    *env.mutable_command() = c;
    return send(env);
  }

  v1::Reply load_and_play_a() {
    v1::Command load;
    load.mutable_load_buffer()->set_deck(v1::DECK_A);
    load.mutable_load_buffer()->set_buffer_id(1);
    load.mutable_load_buffer()->set_path(dir_ + "/a.wav");
    auto r = send(load);
    EXPECT_TRUE(r.has_ok()) << r.ShortDebugString();
    v1::Command play;
    play.mutable_play_deck()->set_deck(v1::DECK_A);
    return send(play);
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::string dir_;
  stretch::StretchActor stretch_;
  mixer::MixerActor mixer_;
  tempo::TempoActor tempo_;
  RouterConfig router_cfg_;
  caf::actor router_;
  std::vector<std::shared_ptr<std::atomic<int>>> replies_;  // per request: replies received
};

std::string error_text(const v1::Reply& r) { return r.error().message(); }

TEST(CommandRouteTable, EveryCommandOfTheSchemaHasAHandler) {
  // GetNodes included: the gateway answers it, the router says so.
  const auto* oneof = v1::Command::descriptor()->FindOneofByName("command");
  ASSERT_NE(oneof, nullptr);
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto* field = oneof->field(i);
    const auto* route = find_command_route(static_cast<v1::Command::CommandCase>(field->number()));
    ASSERT_NE(route, nullptr) << field->name() << " has no handler";
    EXPECT_NE(route->handler, nullptr) << field->name();
    EXPECT_EQ(static_cast<int>(route->command), field->number()) << field->name();
  }
}

TEST_F(CommandRouterTest, StartTogetherRefusesANaNReadyTimeoutWithTheRange) {
  ASSERT_TRUE(load_and_play_a().has_ok());
  v1::Command c;
  c.mutable_start_together()->add_decks(v1::DECK_A);
  c.mutable_start_together()->set_ready_timeout_seconds(std::numeric_limits<double>::quiet_NaN());
  auto r = send(c);
  ASSERT_TRUE(r.has_error()) << r.ShortDebugString();
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  EXPECT_NE(error_text(r).find("allowed: 0 to 600 s"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, StartTogetherRefusesANegativeReadyTimeout) {
  v1::Command c;
  c.mutable_start_together()->add_decks(v1::DECK_A);
  c.mutable_start_together()->set_ready_timeout_seconds(-1);
  auto r = send(c);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  EXPECT_NE(error_text(r).find("-1 s"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, ReportMovementRefusesAnUnspecifiedChannel) {
  v1::Command c;
  c.mutable_report_movement()->set_value(0.9);
  auto r = send(c);
  ASSERT_TRUE(r.has_error()) << r.ShortDebugString();
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  EXPECT_NE(error_text(r).find("movement channel 0"), std::string::npos) << error_text(r);
  // Nothing changed: the tempo actor never saw the value.
  v1::Command get;
  get.mutable_get_tempo();
  EXPECT_EQ(send(get).ok().tempo().movement(), 0.0);
}

TEST_F(CommandRouterTest, ReportMovementRefusesAnUnknownChannelNumber) {
  v1::Command c;
  c.mutable_report_movement()->set_channel(static_cast<v1::ReportMovement::Channel>(42));
  c.mutable_report_movement()->set_value(0.9);
  auto r = send(c);
  ASSERT_TRUE(r.has_error());
  EXPECT_NE(error_text(r).find("movement channel 42"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, ReportMovementOnTheTotalChannelReachesTheTempoActor) {
  v1::Command c;
  c.mutable_report_movement()->set_channel(v1::ReportMovement::CHANNEL_TOTAL);
  c.mutable_report_movement()->set_value(0.75);
  auto r = send(c);
  ASSERT_TRUE(r.has_ok()) << r.ShortDebugString();
  EXPECT_DOUBLE_EQ(r.ok().tempo().movement(), 0.75);
}

TEST_F(CommandRouterTest, ReportMovementOnAnotherChannelIsCheckedAndLeavesTheTempo) {
  v1::Command c;
  c.mutable_report_movement()->set_channel(v1::ReportMovement::CHANNEL_ARM);
  c.mutable_report_movement()->set_value(-1);
  auto bad = send(c);
  ASSERT_TRUE(bad.has_error()) << bad.ShortDebugString();
  EXPECT_EQ(bad.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  c.mutable_report_movement()->set_value(0.9);
  auto r = send(c);
  ASSERT_TRUE(r.has_ok()) << r.ShortDebugString();
  EXPECT_NE(r.ok().message().find("CHANNEL_ARM accepted"), std::string::npos) << r.ok().message();
  v1::Command get;
  get.mutable_get_tempo();
  EXPECT_EQ(send(get).ok().tempo().movement(), 0.0);
}

TEST_F(CommandRouterTest, SetMasterGainSetsTheMasterAndSetGainNeedsADeck) {
  v1::Command no_target;
  no_target.mutable_set_gain()->set_gain_db(-6);
  auto r1 = send(no_target);
  ASSERT_TRUE(r1.has_error()) << r1.ShortDebugString();
  EXPECT_NE(error_text(r1).find("(allowed: A, B, C, D)"), std::string::npos) << error_text(r1);
  v1::Command status;
  status.mutable_get_status();
  EXPECT_NEAR(send(status).ok().status().master_gain_db(), 0.0, 1e-3) << "a refused SetGain changes nothing";
  v1::Command via_master;
  via_master.mutable_set_master_gain()->set_gain_db(-3);
  via_master.mutable_set_master_gain()->set_ramp_seconds(2);
  auto r2 = send(via_master);
  ASSERT_TRUE(r2.has_ok()) << r2.ShortDebugString();
  EXPECT_EQ(r2.ok().message(), "master gain -3.0 dB over 2 s");
}

TEST_F(CommandRouterTest, ReloadOfAPlayingBufferWithAMissingFileKeepsItPlaying) {
  ASSERT_TRUE(load_and_play_a().has_ok());
  v1::Command reload;
  reload.mutable_load_buffer()->set_deck(v1::DECK_A);
  reload.mutable_load_buffer()->set_buffer_id(1);
  reload.mutable_load_buffer()->set_path(dir_ + "/missing.wav");
  auto r = send(reload);
  ASSERT_TRUE(r.has_error()) << r.ShortDebugString();
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_FILE_NOT_FOUND);
  EXPECT_NE(error_text(r).find(dir_ + "/missing.wav"), std::string::npos) << error_text(r);
  v1::Command status;
  status.mutable_get_status();
  auto s = send(status);
  ASSERT_TRUE(s.has_ok());
  const auto& deck_a = s.ok().status().decks(0);
  ASSERT_EQ(deck_a.buffers_size(), 1);
  EXPECT_EQ(deck_a.buffers(0).state(), v1::BUFFER_STATE_PLAYING) << s.ShortDebugString();
  EXPECT_NE(deck_a.buffers(0).path().find("a.wav"), std::string::npos);
}

// A 20 s click track at 120 BPM and its struct JSON: intro 0-4 s, then
// sections 1 (4-8), 2 (8-12) and 3 (12-16); a downbeat every 2 s.
std::string write_click_struct(const std::string& dir) {
  EXPECT_TRUE(test::write_click_track_wav(dir + "/click.wav", 48000, 2, 20.0, 120.0));
  const std::string json = dir + "/click.json";
  std::ofstream out(json);
  out << R"({"path": ")" << dir << R"(/click.wav", "bpm": 120,
    "beats": [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5,
              12, 12.5, 13, 13.5, 14, 14.5, 15, 15.5, 16],
    "downbeats": [0, 2, 4, 6, 8, 10, 12, 14, 16],
    "segments": [{"start": 0, "end": 4, "label": "intro"}, {"start": 4, "end": 8, "label": "verse"},
                 {"start": 8, "end": 12, "label": "chorus"}, {"start": 12, "end": 16, "label": "outro"}]})";
  return json;
}

v1::Command cue_section(const std::string& struct_path, std::uint32_t n, bool loop) {
  v1::Command c;
  auto* cs = c.mutable_cue_section();
  cs->set_deck(v1::DECK_A);
  cs->set_struct_path(struct_path);
  cs->set_section(n);
  cs->set_loop(loop);
  cs->set_buffer_id(1);
  return c;
}

v1::Command next_section_of_a() {
  v1::Command c;
  c.mutable_next_section()->set_deck(v1::DECK_A);
  return c;
}

TEST_F(CommandRouterTest, CueSectionPlaysTheStructsTrackFromTheSectionsBeginCue) {
  const auto json = write_click_struct(dir_);
  auto r = send(cue_section(json, 2, true));
  ASSERT_TRUE(r.has_ok()) << r.ShortDebugString();
  ASSERT_EQ(r.ok().deck().buffers_size(), 1);
  const auto& b = r.ok().deck().buffers(0);
  EXPECT_EQ(b.state(), v1::BUFFER_STATE_PLAYING);
  EXPECT_TRUE(b.loop());
  EXPECT_NE(b.path().find("click.wav"), std::string::npos);
  EXPECT_NEAR(b.position_seconds(), 8.0, 0.01) << "section 2 begins at 8 s";
  EXPECT_DOUBLE_EQ(b.native_bpm(), 120.0) << "the struct's bpm";
}

TEST_F(CommandRouterTest, NextSectionSwitchesOnADownbeatUntilTheLastSection) {
  const auto json = write_click_struct(dir_);
  ASSERT_TRUE(send(cue_section(json, 2, true)).has_ok());
  // Render a little with mesh times, as a device would: the deck now has a PTS.
  caf::scoped_actor self{*sys_};
  for (int i = 0; i < 40; ++i)
    self->request(mixer_, 5s, render_atom_v, std::uint32_t{256}, std::int64_t{1'000'000'000} + i * 5'333'333)
        .receive([](AudioBlock&) {}, [](caf::error& e) { ADD_FAILURE() << error_sentence(e); });
  auto r = send(next_section_of_a());
  ASSERT_TRUE(r.has_ok()) << r.ShortDebugString();
  const auto& sw = r.ok().section_switch();
  EXPECT_EQ(sw.section(), 3u);
  EXPECT_EQ(sw.begin_seconds(), 12.0);
  EXPECT_EQ(sw.end_seconds(), 16.0);
  EXPECT_EQ(sw.downbeat_seconds(), 10.0) << "from about 8.2 s, the first downbeat 0.5 s ahead";
  EXPECT_GT(sw.switch_at_ns(), 1'000'000'000);
  auto last = send(next_section_of_a());
  ASSERT_TRUE(last.has_error()) << last.ShortDebugString();
  EXPECT_EQ(last.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  EXPECT_NE(error_text(last).find("deck A plays section 3, the last one"), std::string::npos) << error_text(last);
}

TEST_F(CommandRouterTest, CueSectionOfAMissingStructOrPastTheLastSectionLeavesTheDeckPlaying) {
  ASSERT_TRUE(load_and_play_a().has_ok());
  auto missing = send(cue_section(dir_ + "/nothing.json", 1, false));
  ASSERT_TRUE(missing.has_error());
  EXPECT_EQ(missing.error().code(), v1::ERROR_CODE_FILE_NOT_FOUND);
  EXPECT_NE(error_text(missing).find(dir_ + "/nothing.json"), std::string::npos) << error_text(missing);
  const auto json = write_click_struct(dir_);
  auto past = send(cue_section(json, 4, false));
  ASSERT_TRUE(past.has_error());
  EXPECT_EQ(past.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  EXPECT_NE(error_text(past).find("3 sections after the intro, and section 4 was asked for"), std::string::npos)
      << error_text(past);
  v1::Command status;
  status.mutable_get_status();
  auto s = send(status);
  ASSERT_EQ(s.ok().status().decks(0).buffers_size(), 1);
  EXPECT_EQ(s.ok().status().decks(0).buffers(0).state(), v1::BUFFER_STATE_PLAYING);
  EXPECT_NE(s.ok().status().decks(0).buffers(0).path().find("a.wav"), std::string::npos);
}

TEST_F(CommandRouterTest, CueSectionOfAStructOutsideTheMediaRootsIsNotAllowedNamingIt) {
  const auto inside = dir_ + "/music";
  std::filesystem::create_directories(inside);
  auto roots = stretch::MediaRoots::make({inside});
  ASSERT_TRUE(roots);
  router_cfg_.media_roots = *roots;
  const auto json = write_click_struct(dir_);  // beside the root, not in it
  auto r = send(cue_section(json, 1, false));
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_NOT_ALLOWED);
  EXPECT_NE(error_text(r).find("struct JSON " + json + " is not allowed"), std::string::npos) << error_text(r);
  auto missing = send(cue_section(inside + "/none.json", 1, false));
  EXPECT_EQ(missing.error().code(), v1::ERROR_CODE_FILE_NOT_FOUND);
  EXPECT_NE(error_text(missing).find("struct JSON not found: " + inside + "/none.json"), std::string::npos)
      << error_text(missing);
}

TEST_F(CommandRouterTest, CueSectionAtAMeshTimeLoadsAtOnceAndStartsOnThatFrame) {
  const auto json = write_click_struct(dir_);
  v1::Envelope env;
  *env.mutable_command() = cue_section(json, 2, true);
  const std::int64_t at = local_now_ns() + 10'000'000'000;  // the router's mesh time is the local clock here
  env.set_execute_at_ns(at);
  auto r = send(env);
  ASSERT_TRUE(r.has_ok()) << r.ShortDebugString();
  ASSERT_EQ(r.ok().start_together().started_size(), 1) << r.ShortDebugString();
  EXPECT_EQ(r.ok().start_together().start_pts_ns(), at) << "loaded at once, not held until the mesh time";
  EXPECT_NE(r.ok().message().find("section 2 of " + json + " starts at mesh time " + std::to_string(at)),
            std::string::npos)
      << r.ok().message();
  v1::Command status;
  status.mutable_get_status();
  auto before = send(status);
  ASSERT_EQ(before.ok().status().decks(0).buffers_size(), 1);
  EXPECT_NE(before.ok().status().decks(0).buffers(0).state(), v1::BUFFER_STATE_PLAYING) << "not before its frame";
  caf::scoped_actor self{*sys_};
  for (int i = 0; i < 4; ++i)  // blocks of 256 frames (5.3 ms at 48 kHz), the third one reaching `at`
    self->request(mixer_, 5s, render_atom_v, std::uint32_t{256}, at - 12'000'000 + i * 5'333'333)
        .receive([](AudioBlock&) {}, [](caf::error& e) { ADD_FAILURE() << error_sentence(e); });
  auto after = send(status);
  EXPECT_EQ(after.ok().status().decks(0).buffers(0).state(), v1::BUFFER_STATE_PLAYING);
  EXPECT_TRUE(send(next_section_of_a()).has_ok()) << "the cued section is remembered for next-section";
}

TEST_F(CommandRouterTest, CueSectionMoreThanAnHourAheadIsRefusedBeforeAnyLoad) {
  const auto json = write_click_struct(dir_);
  v1::Envelope env;
  *env.mutable_command() = cue_section(json, 1, false);
  env.set_execute_at_ns(std::numeric_limits<std::int64_t>::max());
  auto r = send(env);
  ASSERT_TRUE(r.has_error()) << r.ShortDebugString();
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  v1::Command status;
  status.mutable_get_status();
  EXPECT_EQ(send(status).ok().status().decks(0).buffers_size(), 0) << "nothing loaded";
}

TEST_F(CommandRouterTest, CueSectionLoadedAfterItsMeshTimeStartsAtOnceAndSaysHowLate) {
  const auto json = write_click_struct(dir_);
  v1::Envelope env;
  *env.mutable_command() = cue_section(json, 1, false);
  env.set_execute_at_ns(local_now_ns() - 250'000'000);
  auto r = send(env);
  ASSERT_TRUE(r.has_ok()) << r.ShortDebugString();
  EXPECT_NE(r.ok().message().find("ms after it: it starts at once, out of step"), std::string::npos)
      << r.ok().message();
}

TEST_F(CommandRouterTest, NextSectionWithoutACuedSectionIsNotReadyNamingTheDeck) {
  auto r = send(next_section_of_a());
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_NOT_READY);
  EXPECT_NE(error_text(r).find("deck A has no section cued"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, ResetStopsEveryDeckAndKeepsTheBuffers) {
  ASSERT_TRUE(load_and_play_a().has_ok());
  v1::Command c;
  c.mutable_reset();
  auto r = send(c);
  ASSERT_TRUE(r.has_ok()) << r.ShortDebugString();
  EXPECT_EQ(r.ok().message(), "every deck stopped");
  {  // the stop fades out over the next rendered frames (no device here: render by hand)
    caf::scoped_actor self{*sys_};
    self->request(mixer_, 5s, render_atom_v, std::uint32_t{4800}, std::int64_t{0})
        .receive([](AudioBlock&) {}, [](caf::error& e) { FAIL() << error_sentence(e); });
  }
  v1::Command status;
  status.mutable_get_status();
  const auto s = send(status);
  ASSERT_EQ(s.ok().status().decks(0).buffers_size(), 1);
  EXPECT_EQ(s.ok().status().decks(0).buffers(0).state(), v1::BUFFER_STATE_STOPPED) << s.ShortDebugString();
}

TEST_F(CommandRouterTest, ResetWithUnloadBuffersLeavesEveryDeckEmpty) {
  ASSERT_TRUE(load_and_play_a().has_ok());
  v1::Command c;
  c.mutable_reset()->set_unload_buffers(true);
  auto r = send(c);
  ASSERT_TRUE(r.has_ok()) << r.ShortDebugString();
  EXPECT_EQ(r.ok().message(), "every deck stopped, 1 buffer unloaded");
  v1::Command status;
  status.mutable_get_status();
  const auto s = send(status);
  for (const auto& deck : s.ok().status().decks()) EXPECT_EQ(deck.buffers_size(), 0) << s.ShortDebugString();
}

TEST_F(CommandRouterTest, UnknownDeckIsRefusedNamingTheAllowedDecks) {
  v1::Command c;
  c.mutable_play_deck()->set_deck(static_cast<v1::Deck>(9));
  auto r = send(c);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_UNKNOWN_DECK);
  EXPECT_NE(error_text(r).find("deck 9"), std::string::npos) << error_text(r);
  EXPECT_NE(error_text(r).find("A, B, C, D"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, UnknownEqBandIsRefusedNamingTheBands) {
  v1::Command c;
  c.mutable_set_eq()->set_deck(v1::DECK_A);
  c.mutable_set_eq()->set_gain_db(-6);
  auto r = send(c);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  EXPECT_NE(error_text(r).find("low, mid, high"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, SetFilterTurnsTheDecksKnobAndRepliesWithTheDeck) {
  v1::Command c;
  c.mutable_set_filter()->set_deck(v1::DECK_C);
  c.mutable_set_filter()->set_amount(-0.5);
  auto r = send(c);
  ASSERT_TRUE(r.has_ok()) << r.ShortDebugString();
  EXPECT_EQ(r.ok().deck().filter_amount(), -0.5) << r.ShortDebugString();
}

TEST_F(CommandRouterTest, SetFilterOutsideMinusOneToOneIsRefusedAndChangesNothing) {
  v1::Command c;
  c.mutable_set_filter()->set_deck(v1::DECK_A);
  c.mutable_set_filter()->set_amount(2.0);
  auto r = send(c);
  ASSERT_TRUE(r.has_error()) << r.ShortDebugString();
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  EXPECT_NE(error_text(r).find("filter amount 2 is out of range"), std::string::npos) << error_text(r);
  v1::Command status;
  status.mutable_get_status();
  EXPECT_EQ(send(status).ok().status().decks(0).filter_amount(), 0.0);
}

TEST_F(CommandRouterTest, TestToneWithoutFieldsPlaysTheDefaultToneAndStatusShowsIt) {
  v1::Command c;
  c.mutable_test_tone();
  auto r = send(c);
  ASSERT_TRUE(r.has_ok()) << r.ShortDebugString();
  EXPECT_EQ(r.ok().status().test_tone_hz(), 440.0) << r.ShortDebugString();
  EXPECT_GT(r.ok().status().test_tone_remaining_seconds(), 1.0) << r.ShortDebugString();
}

TEST_F(CommandRouterTest, TestToneAboveZeroDbfsIsRefusedWithTheRange) {
  v1::Command c;
  c.mutable_test_tone()->set_gain_db(6.0);
  auto r = send(c);
  ASSERT_TRUE(r.has_error()) << r.ShortDebugString();
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  EXPECT_NE(error_text(r).find("allowed: -96 to 0 dBFS"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, PlayOfABufferWhoseLoadFailedAnswersWithTheLoadsCode) {
  v1::Command load;
  load.mutable_load_buffer()->set_deck(v1::DECK_B);
  load.mutable_load_buffer()->set_buffer_id(1);
  load.mutable_load_buffer()->set_path(dir_ + "/missing.wav");
  ASSERT_EQ(send(load).error().code(), v1::ERROR_CODE_FILE_NOT_FOUND);
  v1::Command play;
  play.mutable_play_deck()->set_deck(v1::DECK_B);
  auto r = send(play);
  ASSERT_TRUE(r.has_error()) << r.ShortDebugString();
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_FILE_NOT_FOUND) << error_text(r);
  EXPECT_NE(error_text(r).find(dir_ + "/missing.wav"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, DeckCommandOnANodeWithoutMixerIsRefusedNamingTheNode) {
  router_cfg_.mixer = mixer::MixerActor{};
  v1::Command c;
  c.mutable_play_deck()->set_deck(v1::DECK_A);
  auto r = send(c);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_NOT_READY);
  EXPECT_NE(error_text(r).find("node room-a has no mixer"), std::string::npos) << error_text(r);
  // Tempo commands do not need the mixer.
  v1::Command get;
  get.mutable_get_tempo();
  EXPECT_TRUE(send(get).has_ok());
}

TEST_F(CommandRouterTest, TempoCommandWithoutTheTempoActorNamesTheTempoNode) {
  router_cfg_.tempo = tempo::TempoActor{};
  router_cfg_.tempo_node = "room-c";
  v1::Command c;
  c.mutable_set_tempo()->set_target_bpm(126);
  auto r = send(c);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_NOT_READY);
  EXPECT_NE(error_text(r).find("send tempo and movement to node room-c"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, CommandMoreThanAnHourAheadIsRefused) {
  v1::Envelope env;
  env.mutable_command()->mutable_play_deck()->set_deck(v1::DECK_A);
  env.set_execute_at_ns(local_now_ns() + 3'700'000'000'000LL);
  auto r = send(env);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  EXPECT_NE(error_text(r).find("more than one hour ahead"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, HeldCommandsAreCappedAndTheCapFreesWhenTheyAreDue) {
  v1::Envelope env;
  env.mutable_command()->mutable_get_tempo();
  env.set_execute_at_ns(local_now_ns() + 1'000'000'000LL);
  std::vector<std::future<v1::Reply>> held;
  for (std::size_t i = 0; i < kMaxHeldCommands; ++i) held.push_back(send_async(env));
  auto over = send(env);  // the router handles messages in order: every one above is held by now
  ASSERT_TRUE(over.has_error()) << over.ShortDebugString();
  EXPECT_EQ(over.error().code(), v1::ERROR_CODE_NOT_READY);
  EXPECT_NE(error_text(over).find("already holds 256 commands"), std::string::npos) << error_text(over);
  for (auto& f : held) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_TRUE(f.get().has_ok());
  }
  env.set_execute_at_ns(local_now_ns() + 50'000'000LL);
  EXPECT_TRUE(send(env).has_ok()) << "held again once the others were due";
}

TEST_F(CommandRouterTest, AnExecuteAtFarInThePastOrFutureNeitherOverflowsNorHangs) {
  v1::Envelope env;
  env.mutable_command()->mutable_get_tempo();
  env.set_execute_at_ns(std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(send(env).has_ok()) << "long past: runs at once";
  env.set_execute_at_ns(std::numeric_limits<std::int64_t>::max());
  auto r = send(env);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
}

TEST_F(CommandRouterTest, CommandWithExecuteAtIsHeldUntilThatMeshTime) {
  v1::Envelope env;
  env.mutable_command()->mutable_get_tempo();
  const auto at = local_now_ns() + 300'000'000LL;
  env.set_execute_at_ns(at);
  auto r = send(env);
  EXPECT_TRUE(r.has_ok()) << r.ShortDebugString();
  EXPECT_GE(local_now_ns(), at);
}

TEST_F(CommandRouterTest, EmptyCommandGetsUnknownPayload) {
  auto r = send(v1::Command{});
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_UNKNOWN_PAYLOAD);
}

TEST_F(CommandRouterTest, StallIsRefusedWhileDiagnosticsAreOff) {
  v1::Command c;
  c.mutable_stall()->set_target(v1::STALL_TARGET_MIXER);
  c.mutable_stall()->set_duration_ms(10);
  auto r = send(c);
  ASSERT_TRUE(r.has_error()) << r.ShortDebugString();
  EXPECT_EQ(r.error().code(), v1::ERROR_CODE_NOT_ALLOWED);
  EXPECT_NE(error_text(r).find("diagnostics are off on node room-a"), std::string::npos) << error_text(r);
}

TEST_F(CommandRouterTest, StallWithDiagnosticsOnRunsOffTheMixerActorOneAtATime) {
  router_cfg_.diagnostics = true;
  v1::Command c;
  c.mutable_stall()->set_target(v1::STALL_TARGET_MIXER);
  c.mutable_stall()->set_duration_ms(400);
  auto first = send_async(c);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The mixer actor still answers while its render lock is held.
  auto status = std::chrono::steady_clock::now();
  v1::Command s;
  s.mutable_get_status();
  EXPECT_TRUE(send(s).has_ok());
  EXPECT_LT(std::chrono::steady_clock::now() - status, std::chrono::milliseconds(250));
  auto second = send(c);
  ASSERT_TRUE(second.has_error()) << second.ShortDebugString();
  EXPECT_NE(error_text(second).find("a stall is already running"), std::string::npos) << error_text(second);
  ASSERT_EQ(first.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto r = first.get();
  EXPECT_TRUE(r.has_ok()) << r.ShortDebugString();
  EXPECT_TRUE(send(c).has_ok()) << "the next stall runs once the first is over";
}

TEST_F(CommandRouterTest, StallOfAnUnknownTargetIsRefusedNamingTheAllowedOne) {
  router_cfg_.diagnostics = true;
  for (const int target : {0, 7}) {
    v1::Command c;
    c.mutable_stall()->set_target(static_cast<v1::StallTarget>(target));
    c.mutable_stall()->set_duration_ms(10);
    auto r = send(c);
    ASSERT_TRUE(r.has_error());
    EXPECT_NE(error_text(r).find("stall target " + std::to_string(target) + " cannot be stalled (allowed: mixer)"),
              std::string::npos)
        << error_text(r);
  }
}

}  // namespace
}  // namespace crowdmesh::node
