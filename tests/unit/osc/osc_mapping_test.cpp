#include "osc/osc_mapping.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "common/error.hpp"
#include "common/test_tone_range.hpp"

namespace crowdmesh::osc {
namespace {

using crowdmesh::v1::Command;
using crowdmesh::v1::ReportMovement;

OscArg I(int v) { return OscArg{'i', static_cast<double>(v), {}}; }
OscArg F(double v) { return OscArg{'f', v, {}}; }
OscArg D(double v) { return OscArg{'d', v, {}}; }
OscArg S(const std::string& v) { return OscArg{'s', 0.0, v}; }

MappedMessage ok(const std::string& address, const std::vector<OscArg>& args) {
  auto m = map_osc(address, args);
  EXPECT_TRUE(m) << address << ": " << (m ? "" : error_sentence(m.error()));
  return m ? *m : MappedMessage{};
}

std::string fails(const std::string& address, const std::vector<OscArg>& args, errc code) {
  auto m = map_osc(address, args);
  EXPECT_FALSE(m) << address << " unexpectedly mapped";
  if (m) return {};
  EXPECT_EQ(error_code(m.error()), code) << error_sentence(m.error());
  return error_sentence(m.error());
}

constexpr double kTol = 1e-3;

TEST(OscMappingTest, LoadBufferMapsBufferIdRangesToDecks) {
  const std::pair<int, crowdmesh::v1::Deck> cases[] = {{100, v1::DECK_A},  {1099, v1::DECK_A}, {1100, v1::DECK_B},
                                                       {2099, v1::DECK_B}, {2100, v1::DECK_C}, {3099, v1::DECK_C},
                                                       {3100, v1::DECK_D}, {4099, v1::DECK_D}};
  for (const auto& [id, deck] : cases) {
    auto m = ok("/load_buffer", {I(id), S("/tmp/x.wav")});
    EXPECT_EQ(m.actor, "mixer");
    ASSERT_TRUE(m.command.has_load_buffer());
    EXPECT_EQ(m.command.load_buffer().deck(), deck) << id;
    EXPECT_EQ(m.command.load_buffer().buffer_id(), static_cast<uint32_t>(id));
    EXPECT_EQ(m.command.load_buffer().path(), "/tmp/x.wav");
    EXPECT_TRUE(m.command.load_buffer().loop());
    EXPECT_FALSE(m.delay_seconds);
    EXPECT_TRUE(m.prelude.empty());
  }
}

TEST(OscMappingTest, LoadBufferAcceptsFloatIdAndOptionalName) {
  auto m = ok("/load_buffer", {F(1100.0), S("drums.flac"), S("drums")});
  EXPECT_EQ(m.command.load_buffer().deck(), v1::DECK_B);
  EXPECT_EQ(m.command.load_buffer().buffer_id(), 1100u);
  EXPECT_EQ(m.command.load_buffer().path(), "drums.flac");
}

TEST(OscMappingTest, BufferIdOutsideEveryDeckRangeIsRejectedWithTheRanges) {
  for (int id : {0, 99, 4100, -5}) {
    auto s = fails("/load_buffer", {I(id), S("/tmp/x.wav")}, errc::value_out_of_range);
    EXPECT_NE(s.find("buffer id " + std::to_string(id)), std::string::npos) << s;
    EXPECT_NE(s.find("A 100–1099, B 1100–2099, C 2100–3099, D 3100–4099"), std::string::npos) << s;
  }
  auto s = fails("/stop_stem", {F(100.5)}, errc::value_out_of_range);
  EXPECT_NE(s.find("whole number"), std::string::npos) << s;
}

TEST(OscMappingTest, LoadBufferRejectsEmptyPath) {
  auto s = fails("/load_buffer", {I(100), S("")}, errc::value_out_of_range);
  EXPECT_EQ(s, "/load_buffer: path is empty");
}

TEST(OscMappingTest, PlayStemWithOnlyIdPlaysFromTheStart) {
  auto m = ok("/play_stem", {I(2100)});
  ASSERT_TRUE(m.command.has_play_buffer());
  EXPECT_EQ(m.command.play_buffer().deck(), v1::DECK_C);
  EXPECT_EQ(m.command.play_buffer().buffer_id(), 2100u);
  ASSERT_TRUE(m.command.play_buffer().has_start_seconds());
  EXPECT_EQ(m.command.play_buffer().start_seconds(), 0.0);
  EXPECT_TRUE(m.prelude.empty());
}

TEST(OscMappingTest, PlayStemVolumeAndLoopBecomeGainAndLoopPrelude) {
  auto m = ok("/play_stem", {I(100), F(1.0), F(0.5), I(0), F(12.5)});
  EXPECT_EQ(m.command.play_buffer().start_seconds(), 12.5);
  ASSERT_EQ(m.prelude.size(), 2u);
  ASSERT_TRUE(m.prelude[0].has_set_gain());
  EXPECT_EQ(m.prelude[0].set_gain().target().buffer().deck(), v1::DECK_A);
  EXPECT_EQ(m.prelude[0].set_gain().target().buffer().buffer_id(), 100u);
  EXPECT_NEAR(m.prelude[0].set_gain().gain_db(), -6.0206, kTol);
  ASSERT_TRUE(m.prelude[1].has_set_loop());
  EXPECT_EQ(m.prelude[1].set_loop().buffer_id(), 100u);
  EXPECT_FALSE(m.prelude[1].set_loop().loop());
  auto looped = ok("/play_stem", {I(100), I(1), I(1), I(1)});
  EXPECT_NEAR(looped.prelude[0].set_gain().gain_db(), 0.0, kTol);
  EXPECT_TRUE(looped.prelude[1].set_loop().loop());
}

TEST(OscMappingTest, PlayStemRejectsRateOtherThanOne) {
  auto s = fails("/play_stem", {I(100), F(1.05)}, errc::value_out_of_range);
  EXPECT_NE(s.find("rate 1.05"), std::string::npos) << s;
  EXPECT_NE(s.find("/set_tempo"), std::string::npos) << s;
}

TEST(OscMappingTest, StopStemMapsToStopBuffer) {
  auto m = ok("/stop_stem", {I(3100)});
  ASSERT_TRUE(m.command.has_stop_buffer());
  EXPECT_EQ(m.command.stop_buffer().deck(), v1::DECK_D);
  EXPECT_EQ(m.command.stop_buffer().buffer_id(), 3100u);
}

TEST(OscMappingTest, StemVolumeConvertsLinearVolumeToDb) {
  const std::pair<OscArg, double> cases[] = {{F(1.0), 0.0}, {F(0.5), -6.0206}, {F(2.0), 6.0206},
                                             {I(1), 0.0},   {D(0.1), -20.0},   {F(0.0), kSilenceGainDb}};
  for (const auto& [volume, db] : cases) {
    auto m = ok("/stem_volume", {I(1100), volume});
    ASSERT_TRUE(m.command.has_set_gain());
    EXPECT_EQ(m.command.set_gain().target().buffer().deck(), v1::DECK_B);
    EXPECT_EQ(m.command.set_gain().target().buffer().buffer_id(), 1100u);
    EXPECT_NEAR(m.command.set_gain().gain_db(), db, kTol) << volume.number;
  }
}

TEST(OscMappingTest, NonFiniteAndNegativeValuesAreOutOfRange) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto s = fails("/stem_volume", {I(100), F(nan)}, errc::value_out_of_range);
  EXPECT_EQ(s, "/stem_volume: volume must be a finite number, got nan");
  fails("/stem_volume", {I(100), F(inf)}, errc::value_out_of_range);
  s = fails("/stem_volume", {I(100), F(-0.5)}, errc::value_out_of_range);
  EXPECT_EQ(s, "/stem_volume: volume -0.5 is negative (allowed: 0 or more)");
  fails("/set_tempo", {F(inf)}, errc::value_out_of_range);
  fails("/dance/total_movement", {F(nan)}, errc::value_out_of_range);
  fails("/start_group", {F(nan), S("A")}, errc::value_out_of_range);
  fails("/load_buffer", {F(inf), S("/x")}, errc::value_out_of_range);
}

TEST(OscMappingTest, CrossfadeLevelsSetsDecksAAndB) {
  auto m = ok("/crossfade_levels", {F(1.0), I(0)});
  ASSERT_TRUE(m.command.has_set_deck_levels());
  const auto& levels = m.command.set_deck_levels().levels();
  ASSERT_EQ(levels.size(), 2);
  EXPECT_EQ(levels[0].deck(), v1::DECK_A);
  EXPECT_NEAR(levels[0].gain_db(), 0.0, kTol);
  EXPECT_EQ(levels[1].deck(), v1::DECK_B);
  EXPECT_EQ(levels[1].gain_db(), kSilenceGainDb);
}

TEST(OscMappingTest, DeckLevelsSetsTheGivenDecksAToD) {
  auto m = ok("/deck_levels", {F(1.0), F(0.5), I(1), F(0.0)});
  const auto& levels = m.command.set_deck_levels().levels();
  ASSERT_EQ(levels.size(), 4);
  EXPECT_EQ(levels[2].deck(), v1::DECK_C);
  EXPECT_NEAR(levels[1].gain_db(), -6.0206, kTol);
  EXPECT_NEAR(levels[2].gain_db(), 0.0, kTol);
  EXPECT_EQ(levels[3].deck(), v1::DECK_D);
  EXPECT_EQ(levels[3].gain_db(), kSilenceGainDb);
  auto two = ok("/deck_levels", {F(1.0), F(1.0)});
  EXPECT_EQ(two.command.set_deck_levels().levels().size(), 2);
  auto s = fails("/deck_levels", {F(1), F(1), F(1), F(1), F(1)}, errc::value_out_of_range);
  EXPECT_EQ(s, "/deck_levels expects (f level_a[, f level_b, f level_c, f level_d]), got (f, f, f, f, f)");
}

TEST(OscMappingTest, DeckFilterMapsLinearBandGainToEqDb) {
  auto m = ok("/deck_filter", {S("a"), S("LOW"), F(0.5)});
  ASSERT_TRUE(m.command.has_set_eq());
  EXPECT_EQ(m.command.set_eq().deck(), v1::DECK_A);
  EXPECT_EQ(m.command.set_eq().band(), v1::EQ_BAND_LOW);
  EXPECT_NEAR(m.command.set_eq().gain_db(), -6.0206, kTol);
  EXPECT_EQ(ok("/deck_filter", {S("B"), S("mid"), I(0)}).command.set_eq().gain_db(), kEqKillDb);
  EXPECT_NEAR(ok("/deck_filter", {S("D"), S("high"), F(1.0)}).command.set_eq().gain_db(), 0.0, kTol);
  EXPECT_EQ(ok("/deck_filter", {S("D"), S("high"), F(1e-6)}).command.set_eq().gain_db(), kEqKillDb);
}

TEST(OscMappingTest, DeckEqMapsTheOriginalPercentScaleToDb) {
  const std::pair<OscArg, double> cases[] = {{F(50), 0.0},   {I(100), 0.0},     {F(75), 0.0},
                                             {F(25), -12.0}, {I(0), kEqKillDb}, {F(1), -23.52}};
  for (const auto& [percent, db] : cases) {
    auto m = ok("/deck_eq", {S("C"), S("high"), percent});
    EXPECT_EQ(m.command.set_eq().deck(), v1::DECK_C);
    EXPECT_EQ(m.command.set_eq().band(), v1::EQ_BAND_HIGH);
    EXPECT_NEAR(m.command.set_eq().gain_db(), db, kTol) << percent.number;
  }
}

TEST(OscMappingTest, DeckEqRejectsBadPercentBandAndDeck) {
  auto s = fails("/deck_eq", {S("A"), S("low"), F(101)}, errc::value_out_of_range);
  EXPECT_EQ(s, "/deck_eq: percent 101 % is outside 0..100 %");
  s = fails("/deck_eq", {S("A"), S("bass"), F(50)}, errc::value_out_of_range);
  EXPECT_EQ(s, "/deck_eq: unknown EQ band 'bass' (expected low, mid or high)");
  s = fails("/deck_eq", {S("E"), S("low"), F(50)}, errc::unknown_deck);
  EXPECT_EQ(s, "/deck_eq: unknown deck 'E' (expected A, B, C or D)");
}

TEST(OscMappingTest, DeckEqAllSetsAllThreeBands) {
  auto m = ok("/deck_eq_all", {S("B"), I(50), F(25), I(0)});
  ASSERT_TRUE(m.command.has_set_eq_all());
  EXPECT_EQ(m.command.set_eq_all().deck(), v1::DECK_B);
  EXPECT_NEAR(m.command.set_eq_all().low_gain_db(), 0.0, kTol);
  EXPECT_NEAR(m.command.set_eq_all().mid_gain_db(), -12.0, kTol);
  EXPECT_EQ(m.command.set_eq_all().high_gain_db(), kEqKillDb);
}

TEST(OscMappingTest, GetStatusGoesToTheNode) {
  auto m = ok("/get_status", {});
  EXPECT_EQ(m.actor, "node");
  EXPECT_TRUE(m.command.has_get_status());
}

TEST(OscMappingTest, TestToneDefaultsTo440HzAndAcceptsAFrequency) {
  auto m = ok("/test_tone", {});
  ASSERT_TRUE(m.command.has_test_tone());
  EXPECT_EQ(m.command.test_tone().frequency_hz(), 440.0);
  EXPECT_EQ(m.command.test_tone().gain_db(), test_tone::kDefaultGainDb);
  EXPECT_EQ(m.command.test_tone().duration_seconds(), test_tone::kDefaultSeconds);
  EXPECT_EQ(ok("/test_tone", {I(1000)}).command.test_tone().frequency_hz(), 1000.0);
  EXPECT_EQ(ok("/test_tone", {F(220.5)}).command.test_tone().frequency_hz(), 220.5);
  fails("/test_tone", {F(5)}, errc::value_out_of_range);
}

TEST(OscMappingTest, MixerCleanupUnloadsEveryBufferAndResetOnlyAsksForTheStatus) {
  auto cleanup = ok("/mixer_cleanup", {});
  ASSERT_TRUE(cleanup.command.has_reset());
  EXPECT_TRUE(cleanup.command.reset().unload_buffers());
  EXPECT_EQ(cleanup.actor, "mixer");
  // The original's /reset only moves a clock origin that cancels out of its
  // start times: nothing to stop or unload.
  auto reset = ok("/reset", {});
  EXPECT_TRUE(reset.command.has_get_status());
  EXPECT_EQ(reset.actor, "node");
}

TEST(OscMappingTest, SetTempoGoesToTheTempoActor) {
  auto m = ok("/set_tempo", {F(124.5)});
  EXPECT_EQ(m.actor, "tempo");
  ASSERT_TRUE(m.command.has_set_tempo());
  EXPECT_EQ(m.command.set_tempo().target_bpm(), 124.5);
  EXPECT_FALSE(m.command.set_tempo().has_ramp_seconds());
  EXPECT_EQ(ok("/set_tempo", {I(120)}).command.set_tempo().target_bpm(), 120.0);
  fails("/set_tempo", {I(0)}, errc::value_out_of_range);
}

TEST(OscMappingTest, DanceAddressesReportMovementOnTheirChannels) {
  const std::pair<const char*, ReportMovement::Channel> cases[] = {
      {"/dance/total_movement", ReportMovement::CHANNEL_TOTAL},
      {"/dance/arm_movement", ReportMovement::CHANNEL_ARM},
      {"/dance/leg_movement", ReportMovement::CHANNEL_LEG},
      {"/dance/head_movement", ReportMovement::CHANNEL_HEAD}};
  for (const auto& [address, channel] : cases) {
    auto m = ok(address, {F(1.7)});
    EXPECT_EQ(m.actor, "tempo");
    ASSERT_TRUE(m.command.has_report_movement());
    EXPECT_EQ(m.command.report_movement().channel(), channel);
    EXPECT_NEAR(m.command.report_movement().value(), 1.7, 1e-6);  // clamping is the tempo actor's job
    EXPECT_EQ(ok(address, {I(0)}).command.report_movement().value(), 0.0);
  }
  auto persons = ok("/dance/person_count", {I(7)});
  EXPECT_EQ(persons.command.report_movement().channel(), ReportMovement::CHANNEL_PERSON_COUNT);
  EXPECT_EQ(persons.command.report_movement().value(), 7.0);
  EXPECT_EQ(ok("/dance/person_count", {F(3.0)}).command.report_movement().value(), 3.0);
  fails("/dance/person_count", {F(2.5)}, errc::value_out_of_range);
  fails("/dance/total_movement", {F(-0.1)}, errc::value_out_of_range);
}

TEST(OscMappingTest, PlayLoadsTheDeckBaseBufferAndPlaysTheDeckAfterTheDelay) {
  auto m = ok("/play", {S("b"), S("/music/t.wav"), F(1.5)});
  ASSERT_TRUE(m.command.has_play_deck());
  EXPECT_EQ(m.command.play_deck().deck(), v1::DECK_B);
  ASSERT_TRUE(m.delay_seconds);
  EXPECT_EQ(*m.delay_seconds, 1.5);
  ASSERT_EQ(m.prelude.size(), 1u);
  ASSERT_TRUE(m.prelude[0].has_load_buffer());
  EXPECT_EQ(m.prelude[0].load_buffer().deck(), v1::DECK_B);
  EXPECT_EQ(m.prelude[0].load_buffer().buffer_id(), 1100u);
  EXPECT_EQ(m.prelude[0].load_buffer().path(), "/music/t.wav");
  EXPECT_EQ(*ok("/play", {S("A"), S("/x"), I(-3)}).delay_seconds, 0.0);  // past = now
}

TEST(OscMappingTest, FadeRampsTheDeckToSilenceAfterTheDelay) {
  auto m = ok("/fade", {S("A"), F(4.0)});
  ASSERT_TRUE(m.command.has_set_gain());
  EXPECT_EQ(m.command.set_gain().target().deck(), v1::DECK_A);
  EXPECT_EQ(m.command.set_gain().gain_db(), kSilenceGainDb);
  EXPECT_EQ(m.command.set_gain().ramp_seconds(), kFadeDefaultSeconds);
  EXPECT_EQ(*m.delay_seconds, 4.0);
  auto timed = ok("/fade", {S("d"), I(0), F(8.0)});
  EXPECT_EQ(timed.command.set_gain().target().deck(), v1::DECK_D);
  EXPECT_EQ(timed.command.set_gain().ramp_seconds(), 8.0);
  EXPECT_EQ(*timed.delay_seconds, 0.0);
}

TEST(OscMappingTest, CueLoadsTheDeckAndCuesAtThePosition) {
  auto m = ok("/cue", {S("C"), S("/music/c.wav")});
  ASSERT_TRUE(m.command.has_cue_deck());
  EXPECT_EQ(m.command.cue_deck().deck(), v1::DECK_C);
  EXPECT_EQ(m.command.cue_deck().position_seconds(), 0.0);
  ASSERT_EQ(m.prelude.size(), 1u);
  EXPECT_EQ(m.prelude[0].load_buffer().buffer_id(), 2100u);
  EXPECT_EQ(m.prelude[0].load_buffer().path(), "/music/c.wav");
  EXPECT_FALSE(m.delay_seconds);
  EXPECT_EQ(ok("/cue", {S("C"), S("/c.wav"), F(3.5)}).command.cue_deck().position_seconds(), 3.5);
  EXPECT_EQ(ok("/cue", {S("C"), S("/c.wav"), I(2)}).command.cue_deck().position_seconds(), 2.0);
}

TEST(OscMappingTest, PlayStemSectionCuesTheSectionIntoTheDecksFirstBuffer) {
  auto m = ok("/play_stem_section", {S("b"), S("/struct/t.json"), I(3)});
  ASSERT_TRUE(m.command.has_cue_section());
  const auto& cs = m.command.cue_section();
  EXPECT_EQ(cs.deck(), v1::DECK_B);
  EXPECT_EQ(cs.struct_path(), "/struct/t.json");
  EXPECT_EQ(cs.section(), 3u);
  EXPECT_FALSE(cs.loop());
  EXPECT_EQ(cs.buffer_id(), 1100u);
  EXPECT_TRUE(m.prelude.empty());
  EXPECT_TRUE(ok("/play_stem_section", {S("A"), S("/t.json"), F(1), I(1)}).command.cue_section().loop());
}

TEST(OscMappingTest, PlayStemSectionRefusesSectionZeroAndFractionsNamingThem) {
  EXPECT_EQ(fails("/play_stem_section", {S("A"), S("/t.json"), I(0)}, errc::value_out_of_range),
            "/play_stem_section: section 0 is out of range (allowed: a whole number from 1)");
  EXPECT_EQ(fails("/play_stem_section", {S("A"), S("/t.json"), F(1.5)}, errc::value_out_of_range),
            "/play_stem_section: section 1.5 is out of range (allowed: a whole number from 1)");
  EXPECT_EQ(fails("/play_stem_section", {S("A"), S("/t.json")}, errc::value_out_of_range),
            "/play_stem_section expects (s deck, s struct_path, i section[, i loop]), got (s, s)");
}

TEST(OscMappingTest, NextSectionNamesTheDeck) {
  auto m = ok("/next_section", {S("D")});
  ASSERT_TRUE(m.command.has_next_section());
  EXPECT_EQ(m.command.next_section().deck(), v1::DECK_D);
}

TEST(OscMappingTest, StartGroupAcceptsDelayAnywhereAndDecksInAnyOrder) {
  const std::vector<std::vector<OscArg>> forms = {
      {F(2.5), S("A"), S("B")}, {S("A"), S("B"), F(2.5)}, {S("A"), F(2.5), S("B")}, {S("a"), S("b"), D(2.5)}};
  for (const auto& args : forms) {
    auto m = ok("/start_group", args);
    ASSERT_TRUE(m.command.has_start_together());
    const auto& decks = m.command.start_together().decks();
    ASSERT_EQ(decks.size(), 2);
    EXPECT_EQ(decks[0], v1::DECK_A);
    EXPECT_EQ(decks[1], v1::DECK_B);
    ASSERT_TRUE(m.delay_seconds);
    EXPECT_EQ(*m.delay_seconds, 2.5);
    EXPECT_EQ(m.command.start_together().ready_timeout_seconds(), kStartGroupReadyTimeoutSeconds);
  }
  auto reversed = ok("/start_group", {S("D"), S("C"), I(0), S("D")});
  const auto& decks = reversed.command.start_together().decks();
  ASSERT_EQ(decks.size(), 2);  // duplicates collapse
  EXPECT_EQ(decks[0], v1::DECK_D);
  EXPECT_EQ(decks[1], v1::DECK_C);
  EXPECT_EQ(*reversed.delay_seconds, 0.0);
  EXPECT_EQ(*ok("/start_group", {S("1.25"), S("A")}).delay_seconds, 1.25);  // numeric text, like the original
}

TEST(OscMappingTest, StartGroupWithoutDelayOrDecksOrWithTwoDelaysIsRejected) {
  const std::string sig = "/start_group expects (f start_seconds, s deck, ... in any order), got ";
  EXPECT_EQ(fails("/start_group", {S("A"), S("B")}, errc::value_out_of_range), sig + "(s, s)");
  EXPECT_EQ(fails("/start_group", {F(1.0)}, errc::value_out_of_range), sig + "(f)");
  EXPECT_EQ(fails("/start_group", {}, errc::value_out_of_range), sig + "()");
  auto s = fails("/start_group", {F(1.0), S("A"), F(2.0)}, errc::value_out_of_range);
  EXPECT_EQ(s, "/start_group: more than one start time given (1 and 2)");
  s = fails("/start_group", {F(1.0), S("Z")}, errc::unknown_deck);
  EXPECT_EQ(s, "/start_group: unknown deck 'Z' (expected A, B, C or D)");
}

// A start time becomes execute_at_ns = now + delay × 1e9 (int64 ns). Before
// the bound, /play A x 1e300 passed the finite check and the conversion of
// 1e309 to int64 was undefined behaviour; now anything beyond the hour the
// router holds is refused with the value and the range.
TEST(OscMappingTest, StartTimeBeyondAnHourIsRefusedNamingTheValueAndTheRange) {
  const std::string range = " s is out of range (allowed: up to 3600 s ahead; a past time starts now)";
  EXPECT_EQ(fails("/play", {S("A"), S("/x"), D(1e300)}, errc::value_out_of_range),
            "/play: start time 1e+300" + range);
  EXPECT_EQ(fails("/fade", {S("A"), D(3600.5)}, errc::value_out_of_range), "/fade: start time 3600.5" + range);
  EXPECT_EQ(fails("/start_group", {S("A"), S("1e300")}, errc::value_out_of_range),
            "/start_group: start time 1e+300" + range);
  const OscArg int64_max{'h', static_cast<double>(std::numeric_limits<std::int64_t>::max()), {}};
  EXPECT_EQ(fails("/start_group", {S("A"), int64_max}, errc::value_out_of_range),
            "/start_group: start time 9.22337e+18" + range);
  EXPECT_EQ(*ok("/play", {S("A"), S("/x"), I(3600)}).delay_seconds, 3600.0) << "the hour itself is allowed";
}

TEST(OscMappingTest, HugeNegativeStartTimeStartsNowAndNonFiniteIsRefused) {
  EXPECT_EQ(*ok("/play", {S("A"), S("/x"), D(-1e300)}).delay_seconds, 0.0);
  EXPECT_EQ(*ok("/start_group", {S("A"), S("-1e300")}).delay_seconds, 0.0);
  for (double bad : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN()})
    fails("/fade", {S("A"), D(bad)}, errc::value_out_of_range);
}

TEST(OscMappingTest, UnknownAddressIsRejectedWithItsName) {
  EXPECT_EQ(fails("/foo", {}, errc::value_out_of_range), "unknown OSC address '/foo'");
  EXPECT_EQ(fails("/dance/tail_movement", {F(1)}, errc::value_out_of_range),
            "unknown OSC address '/dance/tail_movement'");
}

TEST(OscMappingTest, WrongArgumentsNameTheExpectedSignature) {
  EXPECT_EQ(fails("/stem_volume", {S("x")}, errc::value_out_of_range),
            "/stem_volume expects (i buffer_id, f volume), got (s)");
  EXPECT_EQ(fails("/load_buffer", {S("/tmp/x.wav"), I(100)}, errc::value_out_of_range),
            "/load_buffer expects (i buffer_id, s path[, s name]), got (s, i)");
  EXPECT_EQ(fails("/get_status", {I(1)}, errc::value_out_of_range), "/get_status expects (), got (i)");
  EXPECT_EQ(fails("/deck_eq_all", {S("A"), F(50), F(50)}, errc::value_out_of_range),
            "/deck_eq_all expects (s deck, f low_percent, f mid_percent, f high_percent), got (s, f, f)");
  EXPECT_EQ(fails("/stop_stem", {OscArg{'b', 0.0, {}}}, errc::value_out_of_range),
            "/stop_stem expects (i buffer_id), got (b)");
  EXPECT_EQ(fails("/cue", {S("A")}, errc::value_out_of_range),
            "/cue expects (s deck, s path[, f position_seconds]), got (s)");
}

}  // namespace
}  // namespace crowdmesh::osc
