// audio_node as its user runs it: real asc-music tracks, the virtual device,
// bad input of every kind. Figures of issue "Foundation" are asserted here.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "audio_files.hpp"
#include "node_process.hpp"

namespace crowdmesh::test {
namespace {

class AudioNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    music_ = music_dir();
    ASSERT_FALSE(music_.empty()) << "asc-music not found: run deploy/fetch-demo-music.sh "
                                    "(or set CROWDMESH_MUSIC_DIR)";
    dir_ = make_temp_dir("crowdmesh-node");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string track(const char* name) const { return music_ + "/" + name; }
  std::string path(const char* name) const { return dir_ + "/" + name; }

  // States of every deck's first buffer, e.g. {"A": "playing"}.
  static std::map<std::string, std::string> deck_states(const NodeRun& r) {
    std::map<std::string, std::string> m;
    for (const auto& d : r.summary["decks"]) m[d["deck"]] = d["state"];
    return m;
  }
  static std::string errors(const NodeRun& r) { return r.summary["errors"].dump(); }

  std::string music_, dir_;
};

TEST_F(AudioNodeTest, TwoTracksAtRealPaceGiveTwentySecondsOfMusicWithoutProducerUnderruns) {
  auto r = run_audio_node({"--a", track("frontiers.mp3"), "--b", track("machine_wars.mp3"), "--backend", "virtual",
                           "--duration", "20", "--record", path("mix.wav")},
                          dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  auto audio = read_audio(path("mix.wav"));
  EXPECT_EQ(audio.sample_rate_hz, 48000);
  EXPECT_EQ(audio.channels, 2);
  EXPECT_NEAR(static_cast<double>(audio.frames), 20.0 * 48000, 256);
  const double rms = rms_dbfs(audio);
  EXPECT_GT(rms, -30.0);
  EXPECT_LT(rms, -6.0);
  // Real pace on a shared machine: the decks' FIFOs never run dry, and the
  // device ring only when the host stalled the playout thread past its lead
  // (producer_fault() bounds what a stall can excuse); host lateness (a
  // virtual clock or playout thread woken late) is reported, not asserted.
  EXPECT_EQ(test::producer_fault(r.summary), "") << r.summary.dump(2);
  std::printf("%s; %d late wake-ups absorbed by the card's buffer\n", test::host_lateness(r.summary).c_str(),
              r.summary["late_wakeups"].get<int>());
  EXPECT_EQ(r.summary["mixer_underrun_frames"], 0);
  RecordProperty("rms_dbfs", std::to_string(rms));
  RecordProperty("callback_p99_us", r.summary["callback_us"]["p99"].dump());
}

TEST_F(AudioNodeTest, OfflineRenderWritesExactlyTheRequestedDuration) {
  auto r = run_audio_node({"--a", track("frontiers.mp3"), "--b", track("time_to_strike.mp3"), "--backend", "virtual",
                           "--realtime", "false", "--duration", "20", "--record", path("mix.wav")},
                          dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  auto audio = read_audio(path("mix.wav"));
  EXPECT_EQ(audio.frames, 20 * 48000);
  EXPECT_EQ(r.summary["xruns"], 0);
  // Music all the way: no second of the render is silent.
  for (int s = 0; s < 20; ++s) EXPECT_GT(rms_dbfs(audio, s * 48000LL, 48000), -50.0) << "second " << s;
}

TEST_F(AudioNodeTest, NoTracksEndedStopsTheNodeByItself) {
  ASSERT_TRUE(write_sine_wav(path("short.wav"), 44100, 2, 1.5, 440.0));
  auto r = run_audio_node(
      {"--a", path("short.wav"), "--backend", "virtual", "--realtime", "false", "--record", path("mix.wav")}, dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(deck_states(r)["A"], "ended");
  EXPECT_NE(r.err.find("every track ended"), std::string::npos) << r.err;
}

TEST_F(AudioNodeTest, MissingFileIsReportedWithItsAbsolutePathAndTheOtherDeckPlays) {
  auto r = run_audio_node({"--a", "no/such/track.mp3", "--b", track("machine_wars.mp3"), "--backend", "virtual",
                           "--realtime", "false", "--duration", "3", "--record", path("mix.wav")},
                          dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const std::string abs = std::filesystem::path(dir_) / "no/such/track.mp3";
  EXPECT_NE(errors(r).find(abs), std::string::npos) << errors(r);
  EXPECT_NE(r.err.find(abs), std::string::npos) << "the log must name the path tried";
  EXPECT_EQ(deck_states(r)["B"], "playing");
  EXPECT_GT(rms_dbfs(read_audio(path("mix.wav"))), -50.0) << "deck B must be heard (quiet intro, not silence)";
}

TEST_F(AudioNodeTest, RandomBytesNamedWavAreRefusedAndTheOtherDeckPlays) {
  ASSERT_TRUE(write_random_bytes(path("noise.wav"), 100000));
  auto r = run_audio_node({"--a", path("noise.wav"), "--b", track("machine_wars.mp3"), "--backend", "virtual",
                           "--realtime", "false", "--duration", "2", "--record", path("mix.wav")},
                          dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(errors(r).find("noise.wav"), std::string::npos) << errors(r);
  EXPECT_EQ(deck_states(r)["A"], "failed");
  EXPECT_EQ(deck_states(r)["B"], "playing");
}

TEST_F(AudioNodeTest, TruncatedMp3PlaysWhatItHasThenEndsWhileTheOtherDeckPlays) {
  ASSERT_TRUE(write_truncated_copy(track("frontiers.mp3"), path("cut.mp3"), 40000));
  auto r = run_audio_node({"--a", path("cut.mp3"), "--b", track("machine_wars.mp3"), "--backend", "virtual",
                           "--realtime", "false", "--duration", "6", "--record", path("mix.wav")},
                          dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const auto states = deck_states(r);
  EXPECT_TRUE(states.at("A") == "ended" || states.at("A") == "failed") << states.at("A");
  EXPECT_EQ(states.at("B"), "playing");
  auto audio = read_audio(path("mix.wav"));
  EXPECT_GT(rms_dbfs(audio, 5 * 48000, 48000), -30.0) << "deck B must still be heard at the end";
}

TEST_F(AudioNodeTest, UnsupportedChannelCountIsRefusedWithTheCountAndTheRange) {
  ASSERT_TRUE(write_sine_wav(path("twelve.wav"), 48000, 12, 0.5, 440.0));
  auto r = run_audio_node({"--a", path("twelve.wav"), "--b", track("machine_wars.mp3"), "--backend", "virtual",
                           "--realtime", "false", "--duration", "1", "--record", path("mix.wav")},
                          dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(errors(r).find("12"), std::string::npos) << errors(r);
  EXPECT_EQ(deck_states(r)["A"], "failed");
  EXPECT_EQ(deck_states(r)["B"], "playing");
}

TEST_F(AudioNodeTest, UnknownDeckIsRefusedAndTheKnownDeckPlays) {
  auto r = run_audio_node({"--track", "E=" + track("frontiers.mp3"), "--b", track("machine_wars.mp3"), "--backend",
                           "virtual", "--realtime", "false", "--duration", "1", "--record", path("mix.wav")},
                          dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(errors(r).find("unknown deck 'E' (allowed: A, B, C, D)"), std::string::npos) << errors(r);
  EXPECT_EQ(deck_states(r)["B"], "playing");
}

TEST_F(AudioNodeTest, NanAndOutOfRangeGainsAreRefusedAndChangeNothing) {
  auto r = run_audio_node({"--a", track("frontiers.mp3"), "--gain", "A=nan", "--gain", "A=40", "--backend", "virtual",
                           "--realtime", "false", "--duration", "2", "--record", path("mix.wav")},
                          dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const auto e = errors(r);
  EXPECT_NE(e.find("deck A gain nan dB is out of range"), std::string::npos) << e;
  EXPECT_NE(e.find("deck A gain 40 dB is out of range (allowed -96 to +12 dB"), std::string::npos) << e;
  EXPECT_EQ(r.summary["decks"][0]["gain_db"], 0.0) << "a refused gain must leave the deck at 0 dB";
  EXPECT_GT(rms_dbfs(read_audio(path("mix.wav"))), -30.0);
}

TEST_F(AudioNodeTest, DeviceThatDoesNotExistFailsWithTheNameAndNonZeroStatus) {
  auto r = run_audio_node(
      {"--a", track("frontiers.mp3"), "--backend", "portaudio", "--device", "No Such Card 9000", "--duration", "1"},
      dir_);
  EXPECT_NE(r.exit_status, 0);
  EXPECT_NE(r.err.find("No Such Card 9000"), std::string::npos) << r.err;
}

TEST_F(AudioNodeTest, NothingPlayableExitsNonZeroWithEveryReason) {
  auto r = run_audio_node({"--a", "missing-a.mp3", "--b", "missing-b.flac", "--backend", "virtual", "--realtime",
                           "false", "--duration", "1"},
                          dir_);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("nothing can play"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dir_ + "/missing-a.mp3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dir_ + "/missing-b.flac"), std::string::npos) << r.err;
}

// Holds a UDP port on loopback (an ephemeral one the kernel picks) for the test's life.
class HeldUdpPort {
 public:
  HeldUdpPort() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port_ = ntohs(a.sin_port);
  }
  ~HeldUdpPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// One node with an OSC bridge on `osc_port`, mesh sockets on loopback.
std::string solo_mesh_toml(int osc_port, bool osc_enabled) {
  return "[nodes.solo]\n"
         "roles = [\"device\", \"mixer\", \"osc\"]\n"
         "control = \"tcp://127.0.0.1:7790\"\n"
         "events = \"tcp://127.0.0.1:7791\"\n"
         "audio = \"tcp://127.0.0.1:7792\"\n"
         "[nodes.solo.device]\nbackend = \"virtual\"\n"
         "[nodes.solo.osc]\nports = [" +
         std::to_string(osc_port) + "]\nenabled = " + (osc_enabled ? "true" : "false") + "\n";
}

TEST_F(AudioNodeTest, OscPortHeldByAnotherProcessStopsTheNodeNamingThePort) {
  HeldUdpPort held;
  ASSERT_GT(held.port(), 0);
  std::ofstream(path("mesh.toml")) << solo_mesh_toml(held.port(), true);
  auto r = run_audio_node(
      {"--config", path("mesh.toml"), "--a", track("frontiers.mp3"), "--realtime", "false", "--duration", "2"}, dir_);
  EXPECT_EQ(r.exit_status, 2) << r.err;
  EXPECT_NE(r.err.find("cannot bind OSC"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(std::to_string(held.port())), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("enabled = false"), std::string::npos) << "the message says how to run without OSC: " << r.err;
}

TEST_F(AudioNodeTest, OscDisabledInTheConfigLetsTheNodePlayBesideAHeldPort) {
  HeldUdpPort held;
  ASSERT_GT(held.port(), 0);
  std::ofstream(path("mesh.toml")) << solo_mesh_toml(held.port(), false);
  auto r = run_audio_node(
      {"--config", path("mesh.toml"), "--a", track("frontiers.mp3"), "--realtime", "false", "--duration", "2"}, dir_);
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.err.find("cannot bind OSC"), std::string::npos) << r.err;
}

TEST_F(AudioNodeTest, OscOffOnTheCommandLineLetsTheNodePlayBesideAHeldPort) {
  HeldUdpPort held;
  ASSERT_GT(held.port(), 0);
  std::ofstream(path("mesh.toml")) << solo_mesh_toml(held.port(), true);
  auto r = run_audio_node({"--config", path("mesh.toml"), "--a", track("frontiers.mp3"), "--realtime", "false",
                           "--duration", "2", "--osc", "off"},
                          dir_);
  EXPECT_EQ(r.exit_status, 0) << r.err;
}

TEST_F(AudioNodeTest, OscPortOnTheCommandLineMovesTheBridgeAwayFromAHeldPort) {
  HeldUdpPort held;
  ASSERT_GT(held.port(), 0);
  std::ofstream(path("mesh.toml")) << solo_mesh_toml(held.port(), true);
  int free_port = 0;
  {
    HeldUdpPort probe;  // a port the kernel hands out now, free again once released
    free_port = probe.port();
  }
  ASSERT_GT(free_port, 0);
  auto r = run_audio_node({"--config", path("mesh.toml"), "--a", track("frontiers.mp3"), "--realtime", "false",
                           "--duration", "2", "--osc", std::to_string(free_port)},
                          dir_);
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(r.err.find(std::to_string(free_port)), std::string::npos) << "the log names the OSC port: " << r.err;
}

TEST_F(AudioNodeTest, OscPortOutsideOneTo65535IsRefusedWithTheRange) {
  auto r =
      run_audio_node({"--a", track("frontiers.mp3"), "--realtime", "false", "--duration", "1", "--osc", "0"}, dir_);
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("--osc: '0' is not a UDP port (allowed: 1-65535, or --osc off)"), std::string::npos) << r.err;
}

TEST_F(AudioNodeTest, EightBuffersOfASevenMinuteMp3StayUnder100MB) {
  std::vector<std::string> args;
  for (const char* deck : {"A", "A", "B", "B", "C", "C", "D", "D"})
    args.insert(args.end(), {"--track", std::string(deck) + "=" + track("frontiers.mp3")});
  args.insert(args.end(), {"--master", "-12", "--backend", "virtual", "--realtime", "false", "--duration", "30",
                           "--record", path("mix.wav")});
  auto r = run_audio_node(args, dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  int buffers = 0;
  for (const auto& d : r.summary["decks"]) buffers += static_cast<int>(d["buffers"].size());
  EXPECT_EQ(buffers, 8);
  const auto rss_kib = r.summary["max_rss_kib"].get<std::uint64_t>();
  EXPECT_LE(rss_kib, 100u * 1024u) << "peak RSS " << rss_kib << " KiB";
  RecordProperty("max_rss_kib", std::to_string(rss_kib));
  std::printf("8 buffers x frontiers.mp3 (%.0f s): peak RSS %.1f MiB\n",
              r.summary["decks"][0]["buffers"][0]["position_seconds"].get<double>(), rss_kib / 1024.0);
}

}  // namespace
}  // namespace crowdmesh::test
