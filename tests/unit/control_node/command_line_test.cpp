#include "control_node/command_line.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::control {
namespace {

constexpr std::uint64_t kId = 42;
const std::string kSource = "laptop-ctl4711/cli";

Request parse_ok(const std::vector<std::string>& args) {
  auto request = CommandLine::parse(args, kSource, kId);
  EXPECT_TRUE(request) << (request ? "" : error_sentence(request.error()));
  return request ? *request : Request{};
}

std::string parse_error(const std::vector<std::string>& args) {
  auto request = CommandLine::parse(args, kSource, kId);
  EXPECT_FALSE(request) << "parsed without error";
  return request ? "" : error_sentence(request.error());
}

const v1::Command& command_of(const Request& request) { return request.envelope.command(); }

TEST(CommandLineTest, EnvelopeCarriesVersionSourceIdAndDefaultTarget) {
  const Request request = parse_ok({"play", "a"});
  EXPECT_EQ(request.kind, Request::Kind::send);
  EXPECT_EQ(request.envelope.protocol_version(), 1u);
  EXPECT_EQ(request.envelope.source(), kSource);
  EXPECT_EQ(request.envelope.correlation_id(), kId);
  EXPECT_EQ(request.envelope.target(), "/mixer");
  EXPECT_EQ(request.connect_endpoint, "tcp://127.0.0.1:7700");
  EXPECT_EQ(request.timeout.count(), 1000);
  EXPECT_FALSE(request.envelope.has_execute_at_ns());
}

TEST(CommandLineTest, ToSetsTheTargetNodeBeforeOrAfterTheCommand) {
  EXPECT_EQ(parse_ok({"--to", "room-c", "stop", "B"}).envelope.target(), "room-c/mixer");
  const Request all = parse_ok({"stop", "B", "--to", "*", "--json"});
  EXPECT_EQ(all.envelope.target(), "*/mixer");
  EXPECT_TRUE(all.broadcast());
  EXPECT_TRUE(all.json);
}

TEST(CommandLineTest, ToRejectsASlash) {
  EXPECT_EQ(parse_error({"--to", "room/mixer", "status"}),
            "--to 'room/mixer' must be a node name without '/' (or '*')");
}

TEST(CommandLineTest, NodesAsksTheGatewayForGetNodes) {
  const Request request = parse_ok({"--to", "room-b", "nodes"});
  EXPECT_TRUE(command_of(request).has_get_nodes());
  EXPECT_EQ(request.envelope.target(), "room-b/gateway");
}

TEST(CommandLineTest, StatusAsksTheNodeActorForGetStatus) {
  const Request request = parse_ok({"status"});
  EXPECT_TRUE(command_of(request).has_get_status());
  EXPECT_EQ(request.envelope.target(), "/node");
}

TEST(CommandLineTest, LoadSendsThePathAsGivenWithOptions) {
  const Request request = parse_ok({"load", "c", "music/frontiers.mp3", "--buffer", "3", "--loop", "--bpm", "124.5"});
  const auto& load = command_of(request).load_buffer();
  EXPECT_EQ(load.deck(), v1::DECK_C);
  EXPECT_EQ(load.path(), "music/frontiers.mp3");
  EXPECT_EQ(load.buffer_id(), 3u);
  EXPECT_TRUE(load.loop());
  ASSERT_TRUE(load.has_native_bpm());
  EXPECT_DOUBLE_EQ(load.native_bpm(), 124.5);
  EXPECT_EQ(request.timeout.count(), CommandLine::kDefaultLoadTimeoutMs);
}

TEST(CommandLineTest, LoadDefaultsToBufferOneWithoutBpmOrLoop) {
  const Request load_request = parse_ok({"load", "A", "/srv/a.wav"});
  const auto& load = command_of(load_request).load_buffer();
  EXPECT_EQ(load.buffer_id(), 1u);
  EXPECT_FALSE(load.loop());
  EXPECT_FALSE(load.has_native_bpm());
}

TEST(CommandLineTest, LoadRejectsZeroBpm) {
  EXPECT_EQ(parse_error({"load", "A", "a.wav", "--bpm", "0"}),
            "--bpm 0 BPM is out of range (allowed above 0 up to 999 BPM)");
}

TEST(CommandLineTest, CueWithAndWithoutPosition) {
  const Request cue_request = parse_ok({"cue", "B", "12.5"});
  const auto& cue = command_of(cue_request).cue_deck();
  EXPECT_EQ(cue.deck(), v1::DECK_B);
  ASSERT_TRUE(cue.has_position_seconds());
  EXPECT_DOUBLE_EQ(cue.position_seconds(), 12.5);
  EXPECT_FALSE(command_of(parse_ok({"cue", "B"})).cue_deck().has_position_seconds());
}

TEST(CommandLineTest, CueSectionSendsTheStructPathSectionAndLoop) {
  const Request request = parse_ok({"cue-section", "b", "struct/t.json", "3", "--loop", "--buffer", "7"});
  const auto& cs = command_of(request).cue_section();
  EXPECT_EQ(cs.deck(), v1::DECK_B);
  EXPECT_EQ(cs.struct_path(), "struct/t.json");
  EXPECT_EQ(cs.section(), 3u);
  EXPECT_TRUE(cs.loop());
  EXPECT_EQ(cs.buffer_id(), 7u);
  EXPECT_EQ(request.timeout.count(), CommandLine::kDefaultLoadTimeoutMs);
  const Request plain = parse_ok({"cue-section", "A", "t.json", "1"});
  EXPECT_FALSE(command_of(plain).cue_section().loop());
  EXPECT_EQ(command_of(plain).cue_section().buffer_id(), 1u);
}

TEST(CommandLineTest, CueSectionInOrAtStartsTheSectionAtAMeshTime) {
  const Request in = parse_ok({"cue-section", "A", "t.json", "2", "--in", "1.5"});
  ASSERT_TRUE(in.start_in_seconds.has_value());
  EXPECT_DOUBLE_EQ(*in.start_in_seconds, 1.5);
  const Request at = parse_ok({"cue-section", "A", "t.json", "2", "--at", "123456789"});
  EXPECT_EQ(at.envelope.execute_at_ns(), 123456789);
  EXPECT_FALSE(parse_ok({"cue-section", "A", "t.json", "2"}).envelope.has_execute_at_ns());
}

TEST(CommandLineTest, CueSectionRefusesSectionZeroWithTheRange) {
  EXPECT_EQ(parse_error({"cue-section", "A", "t.json", "0"}), "cue-section N 0 is out of range (allowed 1 to 1000000)");
  EXPECT_EQ(parse_error({"cue-section", "A", "t.json", "two"}),
            "cue-section N 'two' is not a whole number (allowed 1 to 1000000)");
}

TEST(CommandLineTest, NextSectionNamesTheDeck) {
  EXPECT_EQ(command_of(parse_ok({"next-section", "C"})).next_section().deck(), v1::DECK_C);
}

TEST(CommandLineTest, PlayAndStopNameTheDeck) {
  EXPECT_EQ(command_of(parse_ok({"play", "d"})).play_deck().deck(), v1::DECK_D);
  EXPECT_EQ(command_of(parse_ok({"stop", "A"})).stop_deck().deck(), v1::DECK_A);
}

TEST(CommandLineTest, StartListsDecksWithReadyTimeout) {
  const Request request = parse_ok({"start", "A", "b", "--timeout", "2.5"});
  const auto& start = command_of(request).start_together();
  ASSERT_EQ(start.decks_size(), 2);
  EXPECT_EQ(start.decks(0), v1::DECK_A);
  EXPECT_EQ(start.decks(1), v1::DECK_B);
  EXPECT_DOUBLE_EQ(start.ready_timeout_seconds(), 2.5);
  EXPECT_EQ(request.timeout.count(), 3500);  // the reply waits for the ready timeout
  EXPECT_FALSE(request.envelope.has_execute_at_ns());
  EXPECT_FALSE(request.start_in_seconds);
}

TEST(CommandLineTest, GlobalTimeoutBeforeStartIsTheReplyTimeout) {
  const Request request = parse_ok({"--timeout", "8000", "start", "A"});
  EXPECT_EQ(request.timeout.count(), 8000);
  EXPECT_DOUBLE_EQ(command_of(request).start_together().ready_timeout_seconds(),
                   CommandLine::kDefaultReadyTimeoutSeconds);
}

TEST(CommandLineTest, StartAtSetsExecuteAtNs) {
  const Request request = parse_ok({"start", "A", "--at", "123456789012"});
  ASSERT_TRUE(request.envelope.has_execute_at_ns());
  EXPECT_EQ(request.envelope.execute_at_ns(), 123456789012);
  EXPECT_FALSE(request.start_in_seconds);
}

TEST(CommandLineTest, StartInLeavesExecuteAtForTheRunner) {
  const Request request = parse_ok({"start", "A", "C", "--in", "2"});
  EXPECT_FALSE(request.envelope.has_execute_at_ns());
  ASSERT_TRUE(request.start_in_seconds);
  EXPECT_DOUBLE_EQ(*request.start_in_seconds, 2.0);
}

TEST(CommandLineTest, StartAtAndInExcludeEachOther) {
  EXPECT_NE(parse_error({"start", "A", "--at", "5", "--in", "1"}).find("--at excludes --in"), std::string::npos);
}

TEST(CommandLineTest, StartAtRejectsNegativeTime) {
  EXPECT_EQ(parse_error({"start", "A", "--at", "-5"}),
            "--at -5 ns is out of range (allowed 0 to 9223372036854775807 ns)");
}

TEST(CommandLineTest, StartInRejectsNegativeSeconds) {
  EXPECT_EQ(parse_error({"start", "A", "--in", "-1"}), "--in -1 s is out of range (allowed 0 s or more)");
}

TEST(CommandLineTest, GainSetsTheDeckFaderWithRamp) {
  const Request gain_request = parse_ok({"gain", "B", "-6", "--ramp", "2"});
  const auto& gain = command_of(gain_request).set_gain();
  EXPECT_EQ(gain.target().deck(), v1::DECK_B);
  EXPECT_DOUBLE_EQ(gain.gain_db(), -6.0);
  EXPECT_DOUBLE_EQ(gain.ramp_seconds(), 2.0);
}

TEST(CommandLineTest, GainMinusInfIsSentAsSilence) {
  const Request gain_request = parse_ok({"gain", "A", "-inf"});
  const auto& gain = command_of(gain_request).set_gain();
  EXPECT_DOUBLE_EQ(gain.gain_db(), CommandLine::kSilenceGainDb);
}

TEST(CommandLineTest, GainRejectsNanWithTheRange) {
  EXPECT_EQ(parse_error({"gain", "A", "nan"}), "gain nan dB is out of range (allowed -96 to +12 dB, or -inf)");
}

TEST(CommandLineTest, GainRejectsAboveTwelveDb) {
  EXPECT_EQ(parse_error({"gain", "A", "12.5"}), "gain 12.5 dB is out of range (allowed -96 to +12 dB, or -inf)");
}

TEST(CommandLineTest, MasterSetsMasterGain) {
  const Request master_request = parse_ok({"master", "-3.5"});
  const auto& master = command_of(master_request).set_master_gain();
  EXPECT_DOUBLE_EQ(master.gain_db(), -3.5);
  EXPECT_EQ(parse_error({"master", "inf"}), "master gain inf dB is out of range (allowed -96 to +12 dB, or -inf)");
}

TEST(CommandLineTest, SeekSetsPositionAndOptionalBuffer) {
  const Request seek_request = parse_ok({"seek", "A", "30"});
  const auto& seek = command_of(seek_request).seek();
  EXPECT_EQ(seek.deck(), v1::DECK_A);
  EXPECT_DOUBLE_EQ(seek.position_seconds(), 30.0);
  EXPECT_FALSE(seek.has_buffer_id());
  EXPECT_EQ(command_of(parse_ok({"seek", "A", "30", "--buffer", "2"})).seek().buffer_id(), 2u);
}

TEST(CommandLineTest, SeekRejectsNegativePosition) {
  EXPECT_EQ(parse_error({"seek", "A", "-1"}), "seek position -1 s is out of range (allowed 0 s or more)");
}

TEST(CommandLineTest, LoopOnAndOffForTheWholeDeckOrOneBuffer) {
  const Request on_request = parse_ok({"loop", "C", "on"});
  const auto& on = command_of(on_request).set_loop();
  EXPECT_EQ(on.deck(), v1::DECK_C);
  EXPECT_TRUE(on.loop());
  EXPECT_FALSE(on.has_buffer_id()) << "no --buffer: every buffer of the deck";
  const Request off_request = parse_ok({"loop", "C", "OFF", "--buffer", "4"});
  EXPECT_FALSE(command_of(off_request).set_loop().loop());
  EXPECT_EQ(command_of(off_request).set_loop().buffer_id(), 4u);
  EXPECT_EQ(parse_error({"loop", "C", "maybe"}), "loop state 'maybe' is not on or off");
}

TEST(CommandLineTest, EqSetsAllBandsWithKill) {
  const Request eq_request = parse_ok({"eq", "D", "-inf", "0", "6"});
  const auto& eq = command_of(eq_request).set_eq_all();
  EXPECT_EQ(eq.deck(), v1::DECK_D);
  EXPECT_DOUBLE_EQ(eq.low_gain_db(), CommandLine::kEqKillDb);
  EXPECT_DOUBLE_EQ(eq.mid_gain_db(), 0.0);
  EXPECT_DOUBLE_EQ(eq.high_gain_db(), 6.0);
}

TEST(CommandLineTest, EqRejectsAboveSixDb) {
  EXPECT_EQ(parse_error({"eq", "A", "0", "6.5", "0"}),
            "EQ mid gain 6.5 dB is out of range (allowed -inf to +6 dB; -60 dB or less kills "
            "the band)");
}

TEST(CommandLineTest, FilterSendsTheDecksKnob) {
  const Request request = parse_ok({"filter", "b", "-0.75"});
  const auto& f = command_of(request).set_filter();
  EXPECT_EQ(f.deck(), v1::DECK_B);
  EXPECT_DOUBLE_EQ(f.amount(), -0.75);
}

TEST(CommandLineTest, FilterOutsideMinusOneToOneIsRefusedWithTheRange) {
  EXPECT_EQ(parse_error({"filter", "A", "1.5"}), "filter AMOUNT 1.5 is out of range (allowed -1 to 1)");
  EXPECT_EQ(parse_error({"filter", "A", "nan"}), "filter AMOUNT nan is out of range (allowed -1 to 1)");
}

TEST(CommandLineTest, ToneLeavesAbsentFieldsToTheNodesDefaults) {
  const Request bare = parse_ok({"tone"});
  const auto& t = command_of(bare).test_tone();
  EXPECT_FALSE(t.has_frequency_hz());
  EXPECT_FALSE(t.has_gain_db());
  EXPECT_FALSE(t.has_duration_seconds());
  const Request full = parse_ok({"tone", "1000", "--level", "-30", "--seconds", "5"});
  const auto& f = command_of(full).test_tone();
  EXPECT_DOUBLE_EQ(f.frequency_hz(), 1000.0);
  EXPECT_DOUBLE_EQ(f.gain_db(), -30.0);
  EXPECT_DOUBLE_EQ(f.duration_seconds(), 5.0);
}

TEST(CommandLineTest, ToneOutOfRangeIsRefusedWithTheRange) {
  EXPECT_EQ(parse_error({"tone", "25000"}), "tone HZ 25000 Hz is out of range (allowed 20 to 20000 Hz)");
  EXPECT_EQ(parse_error({"tone", "--level", "3"}), "tone --level 3 dBFS is out of range (allowed -96 to 0 dBFS)");
  EXPECT_EQ(parse_error({"tone", "--seconds", "0"}), "tone --seconds 0 s is out of range (allowed 0.05 to 600 s)");
}

// The node refuses these too (doctor_plan.hpp); the client says so before sending.
TEST(CommandLineTest, DoctorRefusesMoreThanEightPeriodsAndSecondsOutsideATenthToTen) {
  EXPECT_EQ(parse_error({"doctor", "--periods", "16,32,64,128,256,512,1024,2048,4096"}),
            "--periods lists 9 sizes (allowed: at most 8)");
  EXPECT_EQ(parse_error({"doctor", "--seconds", "0.05"}), "--seconds 0.05 is out of range (allowed: 0.1 to 10 s)");
  EXPECT_EQ(parse_error({"doctor", "--seconds", "11"}), "--seconds 11 is out of range (allowed: 0.1 to 10 s)");
  const Request ok = parse_ok({"doctor", "--periods", "16,32,64,128,256,512,1024,8192", "--seconds", "0.1"});
  EXPECT_EQ(command_of(ok).run_doctor().period_frames_size(), 8);
}

TEST(CommandLineTest, StallTakesTheMixerAndADurationInRange) {
  auto request = CommandLine::parse({"stall", "mixer", "300"}, kSource, kId);
  ASSERT_TRUE(request) << error_sentence(request.error());
  EXPECT_EQ(request->envelope.command().stall().target(), v1::STALL_TARGET_MIXER);
  EXPECT_EQ(request->envelope.command().stall().duration_ms(), 300u);
  EXPECT_EQ(parse_error({"stall", "device", "10"}), "stall: actor 'device' cannot be stalled (allowed: mixer)");
}

TEST(CommandLineTest, UnknownDeckNamesTheAllowedDecks) {
  EXPECT_EQ(parse_error({"play", "E"}), "unknown deck 'E' (allowed: A, B, C, D)");
  EXPECT_EQ(parse_error({"start", "A", "Z"}), "unknown deck 'Z' (allowed: A, B, C, D)");
  auto request = CommandLine::parse({"gain", "E", "0"}, kSource, kId);
  ASSERT_FALSE(request);
  EXPECT_EQ(error_code(request.error()), errc::unknown_deck);
}

TEST(CommandLineTest, BadNumbersNameTheArgument) {
  EXPECT_EQ(parse_error({"gain", "A", "loud"}), "gain DB 'loud' is not a number");
  EXPECT_EQ(parse_error({"eq", "A", "0", "x", "0"}), "EQ MID 'x' is not a number");
  EXPECT_EQ(parse_error({"cue", "A", "1m"}), "cue position '1m' is not a number");
  EXPECT_EQ(parse_error({"--timeout", "soon", "status"}),
            "--timeout 'soon' is not a whole number (allowed 1 to 3600000 ms)");
  EXPECT_EQ(parse_error({"load", "A", "a.wav", "--buffer", "two"}),
            "--buffer 'two' is not a whole number (allowed 0 to 4294967295)");
}

TEST(CommandLineTest, MissingCommandIsAUsageError) {
  EXPECT_EQ(parse_error({}), "A subcommand is required (see control_node --help)");
}

TEST(CommandLineTest, HelpAndVersionAreMessages) {
  const Request help = parse_ok({"--help"});
  EXPECT_EQ(help.kind, Request::Kind::message);
  EXPECT_NE(help.text.find("watch"), std::string::npos);
  const Request version = parse_ok({"--version"});
  EXPECT_EQ(version.kind, Request::Kind::message);
  EXPECT_NE(version.text.find("control_node"), std::string::npos);
}

TEST(CommandLineTest, WatchDefaultsToTheEventsPortNextToControl) {
  const Request request = parse_ok({"--connect", "tcp://10.0.0.5:7710", "watch", "--topic", "tele.", "--count", "3"});
  EXPECT_EQ(request.kind, Request::Kind::watch);
  EXPECT_EQ(request.events_endpoint, "tcp://10.0.0.5:7711");
  EXPECT_EQ(request.topic_prefix, "tele.");
  EXPECT_EQ(request.watch_count, 3u);
}

TEST(CommandLineTest, WatchEventsOverridesTheDerivedEndpoint) {
  EXPECT_EQ(parse_ok({"--events", "ipc:///tmp/ev", "watch"}).events_endpoint, "ipc:///tmp/ev");
  EXPECT_EQ(parse_error({"--connect", "ipc:///tmp/ctl", "watch"}),
            "cannot derive the events endpoint from 'ipc:///tmp/ctl' (give --events "
            "tcp://HOST:PORT)");
}

}  // namespace
}  // namespace crowdmesh::control

namespace crowdmesh::control {
namespace {

namespace v1 = crowdmesh::v1;

TEST(CommandLineTempoTest, TempoWithoutBpmAsksTheTempoActor) {
  auto request = CommandLine::parse({"tempo"}, "host-ctl1/cli", 7);
  ASSERT_TRUE(request);
  EXPECT_TRUE(request->envelope.command().has_get_tempo());
  EXPECT_EQ(request->envelope.target(), "/tempo");
}

TEST(CommandLineTempoTest, TempoWithBpmAndRampSetsIt) {
  auto request = CommandLine::parse({"tempo", "126", "--ramp", "20"}, "host-ctl1/cli", 7);
  ASSERT_TRUE(request);
  ASSERT_TRUE(request->envelope.command().has_set_tempo());
  EXPECT_DOUBLE_EQ(request->envelope.command().set_tempo().target_bpm(), 126.0);
  EXPECT_DOUBLE_EQ(request->envelope.command().set_tempo().ramp_seconds(), 20.0);
}

TEST(CommandLineTempoTest, TempoOutsideTwentyToThreeHundredIsRefusedWithTheRange) {
  auto request = CommandLine::parse({"tempo", "400"}, "host-ctl1/cli", 7);
  ASSERT_FALSE(request);
  EXPECT_EQ(error_sentence(request.error()), "tempo 400 BPM is out of range (allowed 20 to 300 BPM)");
}

TEST(CommandLineTempoTest, MovementIsReportedOnTheTotalChannel) {
  auto request = CommandLine::parse({"movement", "0.12"}, "host-ctl1/cli", 7);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->envelope.command().report_movement().channel(), v1::ReportMovement::CHANNEL_TOTAL);
  EXPECT_DOUBLE_EQ(request->envelope.command().report_movement().value(), 0.12);
}

TEST(CommandLineTempoTest, MethodTakesPlaybackRateOrSoundtouch) {
  auto ok = CommandLine::parse({"method", "b", "soundtouch"}, "host-ctl1/cli", 7);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->envelope.command().set_stretch_method().method(), v1::STRETCH_METHOD_SOUNDTOUCH);
  EXPECT_EQ(ok->envelope.command().set_stretch_method().deck(), v1::DECK_B);
  auto bad = CommandLine::parse({"method", "b", "granular"}, "host-ctl1/cli", 7);
  ASSERT_FALSE(bad);
  EXPECT_NE(error_sentence(bad.error()).find("playback_rate, soundtouch"), std::string::npos);
}

}  // namespace
}  // namespace crowdmesh::control
