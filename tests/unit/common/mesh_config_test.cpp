#include "common/mesh_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"

#ifndef CROWDMESH_DEPLOY_DIR
#error "CROWDMESH_DEPLOY_DIR must name the deploy/ folder"
#endif

namespace crowdmesh {
namespace {

const std::string kOrigin = "/etc/crowdmesh/mesh.toml";

/// Parses `text` expecting failure with `code`; returns the sentence.
std::string error_of(const std::string& text, errc code = errc::value_out_of_range) {
  auto cfg = parse_mesh_config(text, kOrigin);
  EXPECT_FALSE(cfg) << "parsed although an error was expected:\n" << text;
  if (cfg) return {};
  EXPECT_EQ(error_code(cfg.error()), code) << error_sentence(cfg.error());
  return error_sentence(cfg.error());
}

MeshConfig parsed(const std::string& text) {
  auto cfg = parse_mesh_config(text, kOrigin);
  EXPECT_TRUE(cfg) << error_sentence(cfg.error());
  return cfg ? *cfg : MeshConfig{};
}

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

std::vector<std::string> names(const MeshConfig& cfg) {
  std::vector<std::string> out;
  for (const auto& n : cfg.nodes) out.push_back(n.name);
  return out;
}

TEST(MeshConfigTest, ExampleFileParses) {
  auto cfg = load_mesh_config(CROWDMESH_DEPLOY_DIR "/mesh.example.toml");
  ASSERT_TRUE(cfg) << error_sentence(cfg.error());
  EXPECT_EQ(names(*cfg), (std::vector<std::string>{"room-a", "room-b", "room-c", "encoder"}));
  EXPECT_EQ(cfg->clock_reference, "room-a");
  EXPECT_EQ(cfg->tempo_node, "room-a");
  const NodeConfig* a = cfg->find("room-a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->endpoints.control, "tcp://10.0.0.11:7700");
  EXPECT_EQ(a->device.backend, "portaudio");
  EXPECT_EQ(a->device.device, "USB Audio");
  EXPECT_TRUE(a->osc.enabled);
  EXPECT_EQ(a->osc.ports, (std::vector<int>{57122, 57120}));
  EXPECT_EQ(a->osc.bind, "0.0.0.0");
  EXPECT_EQ(cfg->find("room-b")->device.buffer_frames, 512);
  EXPECT_EQ(cfg->find("room-c")->endpoints.events, "tcp://10.0.0.13:7701");
  EXPECT_EQ(cfg->find("room-c")->endpoints.audio, "tcp://10.0.0.13:7702");
  const NodeConfig* enc = cfg->find("encoder");
  ASSERT_NE(enc, nullptr);
  EXPECT_EQ(enc->roles, (std::vector<std::string>{"encoder", "telemetry"}));
  EXPECT_FALSE(enc->osc.enabled);
  EXPECT_EQ(cfg->origin, CROWDMESH_DEPLOY_DIR "/mesh.example.toml");
}

TEST(MeshConfigTest, LocalFileParses) {
  auto cfg = load_mesh_config(CROWDMESH_DEPLOY_DIR "/mesh.local.toml");
  ASSERT_TRUE(cfg) << error_sentence(cfg.error());
  EXPECT_EQ(names(*cfg), (std::vector<std::string>{"room-a", "room-b", "room-c"}));
  const char* ports[][3] = {{"tcp://127.0.0.1:7700", "tcp://127.0.0.1:7701", "tcp://127.0.0.1:7702"},
                            {"tcp://127.0.0.1:7710", "tcp://127.0.0.1:7711", "tcp://127.0.0.1:7712"},
                            {"tcp://127.0.0.1:7720", "tcp://127.0.0.1:7721", "tcp://127.0.0.1:7722"}};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& n = cfg->nodes[i];
    EXPECT_EQ(n.endpoints.control, ports[i][0]);
    EXPECT_EQ(n.endpoints.events, ports[i][1]);
    EXPECT_EQ(n.endpoints.audio, ports[i][2]);
    EXPECT_EQ(n.device.backend, "virtual");
    EXPECT_EQ(n.osc.enabled, i == 0) << n.name;
  }
  EXPECT_EQ(cfg->nodes[0].osc.ports, std::vector<int>{57122});
  EXPECT_EQ(cfg->tempo_node, "room-a");
}

TEST(MeshConfigTest, NodesKeepFileOrder) {
  auto cfg = parsed(R"(
[nodes.zeta]
control = "tcp://127.0.0.1:7700"
[nodes.alpha]
roles = ["device"]
control = "tcp://127.0.0.1:7710"
[nodes.zeta.device]
backend = "virtual"
[nodes.mid]
roles = ["device"]
control = "tcp://127.0.0.1:7720"
)");
  EXPECT_EQ(names(cfg), (std::vector<std::string>{"zeta", "alpha", "mid"}));
  EXPECT_EQ(cfg.clock_reference, "zeta");
}

TEST(MeshConfigTest, MissingKeysTakeDefaults) {
  auto cfg = parsed("[nodes.solo]\n");
  ASSERT_EQ(cfg.nodes.size(), 1u);
  const NodeConfig& n = cfg.nodes[0];
  const NodeConfig d;
  EXPECT_EQ(n.name, "solo");
  EXPECT_EQ(n.roles, d.roles);
  EXPECT_EQ(n.endpoints.control, "tcp://127.0.0.1:7700");
  EXPECT_EQ(n.endpoints.events, "tcp://127.0.0.1:7701");
  EXPECT_EQ(n.endpoints.audio, "tcp://127.0.0.1:7702");
  EXPECT_EQ(n.device.backend, "auto");
  EXPECT_EQ(n.device.device, "");
  EXPECT_EQ(n.device.sample_rate_hz, 48000);
  EXPECT_EQ(n.device.buffer_frames, 256);
  EXPECT_EQ(n.device.target_periods, 4);
  EXPECT_EQ(n.device.channels, 2);
  EXPECT_TRUE(n.osc.enabled);
  EXPECT_EQ(n.osc.ports, std::vector<int>{57122});
  EXPECT_EQ(n.osc.bind, "127.0.0.1");
  EXPECT_EQ(cfg.clock_reference, "solo");
  EXPECT_EQ(cfg.tempo_node, "solo");
  EXPECT_EQ(cfg.max_message_bytes, 1048576u);
  EXPECT_EQ(cfg.request_timeout_ms, 1000);
  EXPECT_EQ(cfg.heartbeat_interval_ms, 500);
  EXPECT_EQ(cfg.liveness, 3);
  const MovementBpmSettings m;
  EXPECT_EQ(cfg.movement_bpm.very_very_low, m.very_very_low);
  EXPECT_EQ(cfg.movement_bpm.medium, 0.15);
  EXPECT_EQ(cfg.movement_bpm.bpm_high_max, 130);
  EXPECT_EQ(cfg.movement_bpm.movement_max_value, 0.6);
  EXPECT_EQ(cfg.movement_bpm.transition_time_seconds, 30);
  EXPECT_EQ(cfg.movement_bpm.base_bpm, 120);
  EXPECT_EQ(cfg.origin, kOrigin);
}

TEST(MeshConfigTest, MovementBpmKeysUseOriginalNames) {
  auto cfg = parsed(R"(
[movement_bpm]
movement_max_value = 0.8
base_bpm = 100
[movement_bpm.thresholds]
very_very_low = 0.01
very_low = 0.04
low = 0.2
medium = 0.3
[movement_bpm.bpm_targets]
very_very_low = 90
very_low = 95
low = 100
medium = 110
high_max = 140
[movement_bpm.smoothing]
transition_time_seconds = 5.5
[nodes.a]
)");
  const auto& m = cfg.movement_bpm;
  EXPECT_EQ(m.very_very_low, 0.01);
  EXPECT_EQ(m.very_low, 0.04);
  EXPECT_EQ(m.low, 0.2);
  EXPECT_EQ(m.medium, 0.3);
  EXPECT_EQ(m.bpm_very_very_low, 90);
  EXPECT_EQ(m.bpm_very_low, 95);
  EXPECT_EQ(m.bpm_low, 100);
  EXPECT_EQ(m.bpm_medium, 110);
  EXPECT_EQ(m.bpm_high_max, 140);
  EXPECT_EQ(m.movement_max_value, 0.8);
  EXPECT_EQ(m.transition_time_seconds, 5.5);
  EXPECT_EQ(m.base_bpm, 100);
}

TEST(MeshConfigTest, EventsAndAudioDefaultToControlPortPlusOneAndTwo) {
  auto cfg = parsed("[nodes.a]\ncontrol = \"tcp://pi-a.local:9000\"\n");
  EXPECT_EQ(cfg.nodes[0].endpoints.events, "tcp://pi-a.local:9001");
  EXPECT_EQ(cfg.nodes[0].endpoints.audio, "tcp://pi-a.local:9002");
}

TEST(MeshConfigTest, IpcControlDerivesIpcEventsAndAudio) {
  auto cfg = parsed("[nodes.a]\ncontrol = \"ipc:///run/crowdmesh/a\"\n");
  EXPECT_EQ(cfg.nodes[0].endpoints.events, "ipc:///run/crowdmesh/a.events");
  EXPECT_EQ(cfg.nodes[0].endpoints.audio, "ipc:///run/crowdmesh/a.audio");
}

TEST(MeshConfigTest, DefaultMeshConfigIsOneNodeWithEveryRole) {
  MeshConfig cfg = default_mesh_config();
  ASSERT_EQ(cfg.nodes.size(), 1u);
  const NodeConfig& n = cfg.nodes[0];
  EXPECT_EQ(n.name, "local");
  EXPECT_EQ(n.roles, kKnownRoles);
  for (const char* role : {"device", "mixer", "stretch", "tempo", "encoder", "telemetry", "osc"})
    EXPECT_TRUE(n.has_role(role)) << role;
  EXPECT_EQ(n.endpoints.control, "tcp://127.0.0.1:7700");
  EXPECT_EQ(n.endpoints.events, "tcp://127.0.0.1:7701");
  EXPECT_EQ(n.endpoints.audio, "tcp://127.0.0.1:7702");
  EXPECT_EQ(n.device.backend, "auto");
  EXPECT_TRUE(n.osc.enabled);
  EXPECT_EQ(cfg.clock_reference, "local");
  EXPECT_EQ(cfg.tempo_node, "local");
  EXPECT_EQ(cfg.find("local"), &cfg.nodes[0]);
  EXPECT_EQ(cfg.find("other"), nullptr);
}

TEST(MeshConfigTest, UnknownNodeKeyNamesTheKnownKeys) {
  auto s = error_of("[nodes.room-b]\ncontrl = \"tcp://127.0.0.1:7700\"\n");
  EXPECT_HAS(s, kOrigin + ":2");
  EXPECT_HAS(s, "unknown key `nodes.room-b.contrl`");
  EXPECT_HAS(s, "known keys of `nodes.room-b`: roles, control, events, audio, device, osc");
}

TEST(MeshConfigTest, UnknownTopLevelKeyNamesTheKnownKeys) {
  auto s = error_of("[mesh_settings]\nliveness = 3\n[nodes.a]\n");
  EXPECT_HAS(s, "unknown key `mesh_settings`");
  EXPECT_HAS(s, "known top-level keys: mesh, media, movement_bpm, nodes, security, operators");
}

TEST(MeshConfigTest, MediaRootsAreReadAndRelativeOnesFollowTheConfigFile) {
  auto cfg = parse_mesh_config("[media]\nroots = [\"/srv/music\", \"tracks/../stems\"]\n[nodes.a]\n",
                               "/etc/crowdmesh/mesh.toml");
  ASSERT_TRUE(cfg) << error_sentence(cfg.error());
  EXPECT_EQ(cfg->media_roots, (std::vector<std::string>{"/srv/music", "/etc/crowdmesh/stems"}));
  auto none = parsed("[nodes.a]\n");
  EXPECT_TRUE(none.media_roots.empty());
}

TEST(MeshConfigTest, MediaRootsMustBeAnArrayOfFolderNames) {
  EXPECT_HAS(error_of("[media]\nroots = \"/srv/music\"\n[nodes.a]\n"), "media.roots");
  EXPECT_HAS(error_of("[media]\nroots = [\"\"]\n[nodes.a]\n"), "media.roots[0] is empty");
  EXPECT_HAS(error_of("[media]\nroot = [\"/srv\"]\n[nodes.a]\n"), "unknown key `media.root`");
}

TEST(MeshConfigTest, UnknownThresholdKeyNamesTheKnownKeys) {
  auto s = error_of("[movement_bpm.thresholds]\nmedum = 0.2\n[nodes.a]\n");
  EXPECT_HAS(s, "unknown key `movement_bpm.thresholds.medum`");
  EXPECT_HAS(s, "very_very_low, very_low, low, medium");
}

TEST(MeshConfigTest, UnknownDeviceKeyNamesTheKnownKeys) {
  auto s = error_of("[nodes.a.device]\nsample_rate_hz = 44100\n");
  EXPECT_HAS(s, "unknown key `nodes.a.device.sample_rate_hz`");
  EXPECT_HAS(s, "backend, device, sample_rate, buffer_size, target_periods, channels");
}

TEST(MeshConfigTest, NoNodesIsAnError) {
  auto s = error_of("[mesh]\nliveness = 3\n");
  EXPECT_HAS(s, kOrigin);
  EXPECT_HAS(s, "no nodes");
}

TEST(MeshConfigTest, DuplicateNodeTableIsAnError) {
  auto s = error_of("[nodes.room-a]\n[nodes.room-b]\n[nodes.room-a]\n", errc::unreadable_file);
  EXPECT_HAS(s, kOrigin + ":3");
  EXPECT_HAS(s, "room-a");
}

TEST(MeshConfigTest, NodeNamesDifferingOnlyInCaseAreAnError) {
  auto s = error_of(R"(
[nodes.room-a]
control = "tcp://127.0.0.1:7700"
[nodes.Room-A]
control = "tcp://127.0.0.1:7710"
)");
  EXPECT_HAS(s, "node \"Room-A\" duplicates node \"room-a\"");
}

TEST(MeshConfigTest, BadNodeNameIsAnError) {
  auto s = error_of("[nodes.\"room a\"]\n");
  EXPECT_HAS(s, "node name \"room a\" is not allowed");
}

TEST(MeshConfigTest, DuplicateEndpointNamesBothKeys) {
  auto s = error_of(R"(
[nodes.room-a]
control = "tcp://10.0.0.11:7700"
[nodes.room-b]
control = "tcp://10.0.0.12:7700"
audio = "tcp://10.0.0.11:7700"
)");
  EXPECT_HAS(s, kOrigin + ":6");
  EXPECT_HAS(s, "nodes.room-b.audio = \"tcp://10.0.0.11:7700\" is already used by nodes.room-a.control");
}

TEST(MeshConfigTest, DuplicateDefaultEndpointsAreAnError) {
  auto s = error_of("[nodes.a]\n[nodes.b]\n");
  EXPECT_HAS(s, "nodes.b.control = \"tcp://127.0.0.1:7700\" (default) is already used by nodes.a.control");
}

TEST(MeshConfigTest, UnknownRoleIsAnError) {
  auto s = error_of("[nodes.room-a]\nroles = [\"device\", \"mixr\"]\n");
  EXPECT_HAS(s, "nodes.room-a.roles[1] = \"mixr\" is not a role");
  EXPECT_HAS(s, "allowed: device, mixer, stretch, tempo, encoder, telemetry, osc");
}

TEST(MeshConfigTest, RepeatedRoleIsAnError) {
  auto s = error_of("[nodes.room-a]\nroles = [\"device\", \"device\"]\n");
  EXPECT_HAS(s, "nodes.room-a.roles[1] = \"device\" is listed twice");
}

TEST(MeshConfigTest, BadEndpointSyntaxIsAnError) {
  for (const char* ep : {"http://10.0.0.1:7700", "tcp://10.0.0.1", "tcp://*:7700", "tcp://10.0.0.1:77x0",
                         "tcp://bad host:7700", "ipc://", "10.0.0.1:7700"}) {
    auto s = error_of(std::string("[nodes.room-b]\ncontrol = \"") + ep + "\"\n");
    EXPECT_HAS(s, std::string("nodes.room-b.control = \"") + ep + "\"");
    EXPECT_HAS(s, "expected tcp://HOST:PORT");
    EXPECT_HAS(s, "ipc://PATH");
  }
}

TEST(MeshConfigTest, EndpointPortOutOfRangeIsAnError) {
  auto s = error_of("[nodes.room-b]\nevents = \"tcp://10.0.0.12:70000\"\n");
  EXPECT_HAS(s, "nodes.room-b.events = \"tcp://10.0.0.12:70000\" has port 70000, outside 1..65535");
  s = error_of("[nodes.room-b]\naudio = \"tcp://10.0.0.12:0\"\n");
  EXPECT_HAS(s, "nodes.room-b.audio = \"tcp://10.0.0.12:0\" has port 0, outside 1..65535");
}

TEST(MeshConfigTest, ControlPortWithoutRoomForDefaultsIsAnError) {
  auto s = error_of("[nodes.a]\ncontrol = \"tcp://10.0.0.1:65535\"\n");
  EXPECT_HAS(s, "leaves no port for the default nodes.a.events");
}

TEST(MeshConfigTest, OscPortOutOfRangeIsAnError) {
  auto s = error_of("[nodes.room-a.osc]\nports = [57122, 70000]\n");
  EXPECT_HAS(s, "nodes.room-a.osc.ports[1] = 70000 is out of range; allowed: 1..65535");
}

TEST(MeshConfigTest, EmptyOscPortListIsAnError) {
  auto s = error_of("[nodes.room-a.osc]\nports = []\n");
  EXPECT_HAS(s, "nodes.room-a.osc.ports = [] is empty");
}

TEST(MeshConfigTest, OscTableOnNodeWithoutOscRoleIsAnError) {
  auto s = error_of("[nodes.room-b]\nroles = [\"device\"]\n[nodes.room-b.osc]\nports = [57122]\n");
  EXPECT_HAS(s, "nodes.room-b.osc is set but node \"room-b\" has no role \"osc\"");
}

TEST(MeshConfigTest, OscPortClashOnOneHostIsAnError) {
  auto s = error_of(R"(
[nodes.a]
control = "tcp://127.0.0.1:7700"
[nodes.b]
control = "tcp://127.0.0.1:7710"
)");
  EXPECT_HAS(s, "nodes.b.osc.ports has UDP port 57122");
  EXPECT_HAS(s, "already used by nodes.a.osc");
}

TEST(MeshConfigTest, SameOscPortOnDifferentHostsIsAllowed) {
  auto cfg = parsed(R"(
[nodes.a]
control = "tcp://10.0.0.11:7700"
[nodes.b]
control = "tcp://10.0.0.12:7700"
)");
  EXPECT_TRUE(cfg.nodes[0].osc.enabled);
  EXPECT_TRUE(cfg.nodes[1].osc.enabled);
}

TEST(MeshConfigTest, DecreasingThresholdIsAnErrorAtItsLine) {
  auto s = error_of("[movement_bpm.thresholds]\nvery_low = 0.05\nlow = 0.04\n[nodes.a]\n");
  EXPECT_HAS(s, kOrigin + ":3");
  EXPECT_HAS(s, "movement_bpm.thresholds.low = 0.04 is below movement_bpm.thresholds.very_low = 0.05");
  EXPECT_HAS(s, "very_very_low <= very_low <= low");
}

TEST(MeshConfigTest, MovementTableFollowsTheSameRuleAsTheOriginalJson) {
  // The original's guide sets medium below low to start the rise earlier; the
  // JSON loader accepts it, and so must the TOML config (one rule for both).
  auto cfg = parsed("[movement_bpm.thresholds]\nlow = 0.10\nmedium = 0.08\n[nodes.a]\n");
  EXPECT_DOUBLE_EQ(cfg.movement_bpm.medium, 0.08);
  MovementBpmSettings m;
  m.very_low = m.very_very_low;  // equal thresholds leave a band empty: allowed
  EXPECT_FALSE(movement_table_problem(m));
  m.low = m.very_low - 0.01;
  ASSERT_TRUE(movement_table_problem(m));
  EXPECT_EQ(movement_table_problem(m)->key, "thresholds.low");
}

TEST(MeshConfigTest, ThresholdOutsideZeroToOneIsAnError) {
  auto s = error_of("[movement_bpm.thresholds]\nmedium = 1.5\n[nodes.a]\n");
  EXPECT_HAS(s, "movement_bpm.thresholds.medium = 1.5 is out of range; allowed: 0..1");
}

TEST(MeshConfigTest, MovementMaxValueNotAboveMediumIsAnError) {
  auto s = error_of("[movement_bpm]\nmovement_max_value = 0.1\n[nodes.a]\n");
  EXPECT_HAS(s, "movement_bpm.movement_max_value = 0.1 must be greater than movement_bpm.thresholds.medium = 0.15");
}

TEST(MeshConfigTest, BpmTargetOutOfRangeIsAnError) {
  auto s = error_of("[movement_bpm.bpm_targets]\nhigh_max = 1000\n[nodes.a]\n");
  EXPECT_HAS(s, "movement_bpm.bpm_targets.high_max = 1000 is out of range; allowed: 20..300 BPM");
}

TEST(MeshConfigTest, ClockReferenceNamingUnknownNodeIsAnError) {
  auto s = error_of("[mesh]\nclock_reference = \"room-z\"\n[nodes.room-a]\n");
  EXPECT_HAS(s, kOrigin + ":2");
  EXPECT_HAS(s, "mesh.clock_reference = \"room-z\" names no node; nodes: room-a");
}

TEST(MeshConfigTest, TempoNodeNamingUnknownNodeIsAnError) {
  auto s = error_of("[mesh]\ntempo_node = \"room-z\"\n[nodes.room-a]\n");
  EXPECT_HAS(s, "mesh.tempo_node = \"room-z\" names no node; nodes: room-a");
}

TEST(MeshConfigTest, TempoNodeWithoutTempoRoleIsAnError) {
  auto s = error_of("[mesh]\ntempo_node = \"room-a\"\n[nodes.room-a]\nroles = [\"device\"]\n");
  EXPECT_HAS(s, "mesh.tempo_node = \"room-a\" names a node without the role \"tempo\"");
}

TEST(MeshConfigTest, TempoNodeDefaultsToFirstNodeWithTempoRole) {
  auto cfg = parsed(R"(
[nodes.a]
roles = ["device"]
control = "tcp://127.0.0.1:7700"
[nodes.b]
roles = ["tempo"]
control = "tcp://127.0.0.1:7710"
)");
  EXPECT_EQ(cfg.tempo_node, "b");
  EXPECT_EQ(cfg.clock_reference, "a");
}

TEST(MeshConfigTest, WrongTypeNamesKeyValueAndExpectedType) {
  auto s = error_of("[nodes.room-a.device]\nsample_rate = \"48000\"\n");
  EXPECT_HAS(s, "nodes.room-a.device.sample_rate = \"48000\" is a string; expected an integer in 8000..384000 Hz");
}

TEST(MeshConfigTest, IntegerOutOfRangeNamesTheRange) {
  auto s = error_of("[nodes.room-a.device]\nsample_rate = 1000\n");
  EXPECT_HAS(s, "nodes.room-a.device.sample_rate = 1000 is out of range; allowed: 8000..384000 Hz");
  s = error_of("[mesh]\nliveness = 0\n[nodes.a]\n");
  EXPECT_HAS(s, "mesh.liveness = 0 is out of range; allowed: 1..100");
}

TEST(MeshConfigTest, TargetPeriodsIsReadAndRangeChecked) {
  EXPECT_EQ(parsed("[nodes.room-a.device]\ntarget_periods = 48\n").nodes[0].device.target_periods, 48);
  auto s = error_of("[nodes.room-a.device]\ntarget_periods = 65\n");
  EXPECT_HAS(s, "nodes.room-a.device.target_periods = 65 is out of range; allowed: 2..64 periods");
}

TEST(MeshConfigTest, UnknownBackendIsAnError) {
  auto s = error_of("[nodes.room-a.device]\nbackend = \"alsa\"\n");
  EXPECT_HAS(s, "nodes.room-a.device.backend = \"alsa\" is not a backend; allowed: auto, portaudio, virtual");
}

TEST(MeshConfigTest, TomlSyntaxErrorIsUnreadableWithLine) {
  auto s = error_of("[nodes.a]\ncontrol = \n", errc::unreadable_file);
  EXPECT_HAS(s, kOrigin + ":2");
  EXPECT_HAS(s, "not valid TOML");
}

// Found by tests/fuzz/mesh_config_fuzz: a code point in U+00A1..U+0499,
// U+2D6E..U+3167 or U+FB46..U+FEFE where toml++ 3.3.0 asks "is this
// whitespace?" (here Cyrillic 'Р' right after a number, 'é' as a key, '〔'
// after one) reaches __builtin_unreachable() in the library
// (marzer/tomlplusplus#295). The loader refuses such a text before toml++
// sees it, naming the line, the column and the character.
TEST(MeshConfigTest, NonAsciiOutsideAStringIsRefusedBeforeTheTomlLibrarySeesIt) {
  auto s = error_of("[mesh]\nliveness = 3\xd0\xa0\n[nodes.a]\n", errc::unreadable_file);
  EXPECT_HAS(s, kOrigin + ":2:13: the character U+0420");
  auto t = error_of("[nodes.a]\n\xc3\xa9 = 1\n", errc::unreadable_file);
  EXPECT_HAS(t, kOrigin + ":2:1: the character U+00E9");
  auto u = error_of("sn \xe3\x80\x94 \n", errc::unreadable_file);
  EXPECT_HAS(u, kOrigin + ":1:4: the character U+3014");
  EXPECT_HAS(u, "outside a quoted string or a comment");
}

TEST(MeshConfigTest, LoadingMissingFileNamesTheAbsolutePath) {
  auto cfg = load_mesh_config("no/such/mesh.toml");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(error_code(cfg.error()), errc::file_not_found);
  auto abs = (std::filesystem::current_path() / "no/such/mesh.toml").lexically_normal().string();
  EXPECT_HAS(error_sentence(cfg.error()), abs);
}

TEST(MeshConfigTest, LoadingADirectoryIsUnreadable) {
  auto cfg = load_mesh_config(CROWDMESH_DEPLOY_DIR);
  ASSERT_FALSE(cfg);
  EXPECT_EQ(error_code(cfg.error()), errc::unreadable_file);
  EXPECT_HAS(error_sentence(cfg.error()), "is a directory");
}

TEST(MeshConfigTest, EncoderTableGivesOutputsSourceAndStream) {
  auto cfg = parsed(R"([nodes.archive]
roles = ["encoder"]
control = "tcp://127.0.0.1:7800"
[nodes.archive.encoder]
source = "room-a"
outputs = ["hifi:file:/rec/a.flac", "mobile:file:/rec/a.opus"]
)");
  const auto& e = cfg.nodes.front().encoder;
  EXPECT_EQ(e.source, "room-a");
  EXPECT_EQ(e.stream, "master");
  ASSERT_EQ(e.outputs.size(), 2u);
  EXPECT_EQ(e.outputs[1], "mobile:file:/rec/a.opus");
}

TEST(MeshConfigTest, EncoderOutputsMustBeStrings) {
  EXPECT_HAS(error_of(R"([nodes.archive]
roles = ["encoder"]
[nodes.archive.encoder]
outputs = [3]
)"),
             "nodes.archive.encoder.outputs[0]");
}

TEST(MeshConfigStreamTest, StreamKeysDefaultFromTheControlEndpoint) {
  auto cfg = parsed(R"(
[nodes.room-a]
control = "tcp://10.0.0.11:7700"
[nodes.room-b]
control = "tcp://10.0.0.12:7710"
play_stream = "room-a/master"
stream_mix_local = true
stream_latency_ms = 200
)");
  ASSERT_EQ(cfg.nodes.size(), 2u);
  const auto& a = cfg.nodes[0].stream;
  EXPECT_EQ(a.port, 7704);
  EXPECT_EQ(a.host, "10.0.0.11");
  EXPECT_EQ(a.latency_ms, 120);
  EXPECT_TRUE(a.fec);
  EXPECT_TRUE(a.play.empty());
  const auto& b = cfg.nodes[1].stream;
  EXPECT_EQ(b.play, "room-a/master");
  EXPECT_TRUE(b.mix_local);
  EXPECT_EQ(b.latency_ms, 200);
  EXPECT_EQ(b.port, 7714);
}

TEST(MeshConfigStreamTest, PlayStreamOfItselfOrAnotherStreamIsRefused) {
  EXPECT_HAS(error_of(R"(
[nodes.room-a]
play_stream = "room-a"
)"),
             "nodes.room-a.play_stream = \"room-a\" must name another node");
  EXPECT_HAS(error_of(R"(
[nodes.room-a]
play_stream = "room-b/drums"
)"),
             "as \"NODE\" or \"NODE/master\"");
}

TEST(MeshConfigStreamTest, StreamLatencyAndPortOutOfRangeAreRefusedWithTheirRange) {
  EXPECT_HAS(error_of(R"(
[nodes.room-a]
stream_latency_ms = 5
)"),
             "allowed: 20..2000 ms");
  EXPECT_HAS(error_of(R"(
[nodes.room-a]
stream_port = 0
)"),
             "allowed: 1..65535 UDP port");
}

// Two real key pairs' public halves (control_node keygen), for the security tests.
const std::string kKeyA = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const std::string kKeyB = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const std::string kKeyC = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

TEST(MeshConfigTest, SecurityIsPlainUnlessTheFileSaysCurve) {
  EXPECT_FALSE(parsed("[nodes.a]\n").security.curve);
  EXPECT_FALSE(parsed("[security]\nmode = \"plain\"\n[nodes.a]\n").security.curve);
  auto s = error_of("[security]\nmode = \"tls\"\n[nodes.a]\n");
  EXPECT_HAS(s, "security.mode = \"tls\" is not a mode");
  EXPECT_HAS(s, "\"curve\"");
  EXPECT_HAS(error_of("[security]\nmod = \"curve\"\n[nodes.a]\n"), "unknown key `security.mod`");
}

TEST(MeshConfigTest, CurveModeReadsNodeAndOperatorKeys) {
  auto cfg = parse_mesh_config("[security]\nmode = \"curve\"\n"
                               "[nodes.a]\npublic_key = \"" + kKeyA + "\"\n"
                               "[nodes.b]\ncontrol = \"tcp://10.0.0.2:7700\"\npublic_key = \"" + kKeyB + "\"\nsecret_key_file = \"/srv/b.key\"\n"
                               "[operators.alice]\npublic_key = \"" + kKeyC + "\"\nnodes = [\"b\"]\n",
                               "/etc/crowdmesh/mesh.toml");
  ASSERT_TRUE(cfg) << error_sentence(cfg.error());
  EXPECT_TRUE(cfg->security.curve);
  EXPECT_EQ(cfg->nodes[0].public_key, kKeyA);
  EXPECT_EQ(cfg->nodes[0].secret_key_file, "/etc/crowdmesh/keys/a.key");  // default, beside the config
  EXPECT_EQ(cfg->nodes[1].secret_key_file, "/srv/b.key");
  ASSERT_EQ(cfg->security.operators.size(), 1u);
  EXPECT_EQ(cfg->security.operators[0].name, "alice");
  EXPECT_EQ(cfg->security.operators[0].public_key, kKeyC);
  EXPECT_FALSE(cfg->security.operators[0].allowed_on("a"));
  EXPECT_TRUE(cfg->security.operators[0].allowed_on("b"));
}

TEST(MeshConfigTest, OperatorWithoutNodesIsAllowedEverywhere) {
  auto cfg = parsed("[nodes.a]\n[operators.desk]\npublic_key = \"" + kKeyC + "\"\n");
  ASSERT_EQ(cfg.security.operators.size(), 1u);
  EXPECT_TRUE(cfg.security.operators[0].allowed_on("a"));
}

TEST(MeshConfigTest, CurveModeNeedsEveryNodesPublicKey) {
  auto s = error_of("[security]\nmode = \"curve\"\n[nodes.a]\npublic_key = \"" + kKeyA + "\"\n[nodes.b]\ncontrol = \"tcp://10.0.0.2:7700\"\n");
  EXPECT_HAS(s, "nodes.b has no public_key");
  EXPECT_HAS(s, "control_node keygen --out /etc/crowdmesh/keys/b.key");
}

TEST(MeshConfigTest, BadKeysAreNamedWithWhatIsWrong) {
  EXPECT_HAS(error_of("[nodes.a]\npublic_key = \"short\"\n"),
             "nodes.a.public_key = \"short\" has 5 characters; a CURVE key has 40");
  EXPECT_HAS(error_of("[nodes.a]\npublic_key = \"" + kKeyA.substr(0, 39) + "\\\\\"\n"),
             "is not a Z85 character");
  EXPECT_HAS(error_of("[nodes.a]\n[operators.x]\nnodes = [\"a\"]\n"), "operators.x has no public_key");
  EXPECT_HAS(error_of("[nodes.a]\n[operators.x]\npublic_key = \"" + kKeyC + "\"\nnodes = [\"z\"]\n"),
             "operators.x.nodes[0] = \"z\" names no node; nodes: a");
}

TEST(MeshConfigTest, AKeyUsedTwiceIsRefused) {
  auto s = error_of("[nodes.a]\npublic_key = \"" + kKeyA + "\"\n[operators.x]\npublic_key = \"" + kKeyA + "\"\n");
  EXPECT_HAS(s, "operators.x.public_key repeats the key of nodes.a.public_key");
}

}  // namespace
}  // namespace crowdmesh
