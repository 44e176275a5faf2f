// Encoders as their users run them (issue "Encoders"): a mixer node playing
// asc-music, separate encoder processes taking its stream over the mesh,
// files checked with the reference tools (opusinfo, flac -t, ffprobe).
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "audio_files.hpp"
#include "child_process.hpp"
#include "common/error.hpp"
#include "http_get.hpp"
#include "icecast_server.hpp"
#include "mesh/audio_subscriber.hpp"
#include "node_process.hpp"

namespace crowdmesh::test {
namespace {

using namespace std::chrono_literals;

// Runs a shell command, returns its stdout (trimmed).
std::string shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

double probe_duration(const std::string& file) {
  const auto s = shell("ffprobe -v error -show_entries format=duration -of csv=p=0 '" + file + "' 2>/dev/null");
  try {
    return std::stod(s);
  } catch (...) {
    return -1;
  }
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  try {
    return nlohmann::json::parse(in);
  } catch (...) {
    return nullptr;
  }
}

class EncoderNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    music_ = music_dir();
    ASSERT_FALSE(music_.empty()) << "asc-music not found: run deploy/fetch-demo-music.sh";
    dir_ = make_temp_dir("crowdmesh-encoder");
    // A free port for the mixer's audio stream, below the ephemeral range:
    // the encoders connect to it before the mixer binds it.
    const auto port = free_tcp_port_below_ephemeral(static_cast<unsigned>(::getpid()) * 7 + ++counter_);
    ASSERT_GT(port, 0) << "no free TCP port below the ephemeral range";
    audio_ = "tcp://127.0.0.1:" + std::to_string(port);
  }
  void TearDown() override {
    for (auto pid : pids_) terminate_process(pid, 2s);
    std::filesystem::remove_all(dir_);
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // An encoder-only node taking the mixer's stream, in the background.
  pid_t start_encoder(const std::string& name, const std::vector<std::string>& encodes) {
    std::vector<std::string> args{AUDIO_NODE_BIN, "--roles", "encoder",        "--source",           audio_,
                                  "--mesh",       "off",     "--summary-json", path(name + ".json"), "--log-level",
                                  "info"};
    for (const auto& e : encodes) {
      args.push_back("--encode");
      args.push_back(e);
    }
    const pid_t pid = spawn_process(args, path(name + ".out"), path(name + ".err"));
    pids_.push_back(pid);
    return pid;
  }

  // The mixer node: two asc-music decks at real pace for `seconds`, its
  // stream on audio_ (control/events on free ports).
  NodeRun run_mixer(double seconds) {
    return run_audio_node({"--a", music_ + "/frontiers.mp3", "--b", music_ + "/machine_wars.mp3", "--backend",
                           "virtual", "--realtime", "true", "--duration", std::to_string(seconds), "--control",
                           "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*", "--audio", audio_},
                          dir_);
  }

  // Stops an encoder cleanly (SIGTERM) and returns its summary.
  nlohmann::json stop_encoder(pid_t pid, const std::string& name) {
    EXPECT_EQ(terminate_process(pid, 20s), 0) << shell("tail -5 '" + path(name + ".err") + "'");
    pids_.erase(std::remove(pids_.begin(), pids_.end(), pid), pids_.end());
    return read_json(path(name + ".json"));
  }

  static inline int counter_ = 0;
  std::string music_, dir_, audio_;
  std::vector<pid_t> pids_;
};

TEST_F(EncoderNodeTest, SeparateEncoderProcessWritesValidMobileHifiPodcastFiles) {
  const pid_t enc = start_encoder(
      "enc", {"mobile:file:" + path("mix.opus"), "hifi:file:" + path("mix.flac"), "podcast:file:" + path("mix.mp3")});
  std::this_thread::sleep_for(300ms);  // let it subscribe before the mixer starts
  auto mixer = run_mixer(12);
  ASSERT_EQ(mixer.exit_status, 0) << mixer.err;
  // Real pace on a shared machine: producer underruns are asserted (a stall of
  // the playout thread past the ring's lead by the host excuses what it can
  // have cost, producer_fault()); host lateness is reported, not asserted.
  EXPECT_EQ(test::producer_fault(mixer.summary), "") << mixer.summary.dump(2);
  EXPECT_EQ(mixer.summary["mixer_underrun_frames"], 0) << mixer.summary.dump(2);
  std::printf("%s\n", test::host_lateness(mixer.summary).c_str());
  auto summary = stop_encoder(enc, "enc");
  ASSERT_FALSE(summary.is_null());
  const auto& e = summary["encoder"];
  EXPECT_EQ(e["gaps"], 0) << e.dump(2);
  EXPECT_EQ(e["dropped_chunks"], 0);
  EXPECT_EQ(e["stream_id"], "local/master");
  ASSERT_EQ(e["outputs"].size(), 3u);
  for (const auto& o : e["outputs"]) {
    EXPECT_EQ(o["state"], "closed") << o.dump();
    EXPECT_EQ(o["errors"], 0) << o.dump();
    EXPECT_GT(o["bytes_out"].get<double>(), 0);
  }
  const double played = mixer.summary["seconds_played"];
  const double encoded = e["frames_in"].get<double>() / 48000.0;
  // The mixer renders the mesh timeline; a realign after a host stall skips
  // (or waits out) some of it on the device, never in the mix the encoder gets.
  const double skipped = mixer.summary["playout"].value("frames_skipped", 0) / 48000.0;
  EXPECT_NEAR(encoded, played + skipped, 0.1) << "every rendered block reached the encoder";
  EXPECT_EQ(run_quiet({"/usr/bin/opusinfo", path("mix.opus")}), 0);
  EXPECT_EQ(run_quiet({"/usr/bin/flac", "-t", "-s", path("mix.flac")}), 0);
  for (const char* f : {"mix.opus", "mix.flac", "mix.mp3"}) {
    // MP3 comes in 1152-sample frames and ffprobe counts LAME's padding: up to
    // two frames (48 ms at 48 kHz) more than the samples encoded.
    const double tolerance = std::string(f) == "mix.mp3" ? 2 * 1152 / 48000.0 + 0.001 : 0.04;
    EXPECT_NEAR(probe_duration(path(f)), encoded, tolerance) << f;
  }
  EXPECT_EQ(shell("ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '" + path("mix.mp3") + "'"), "mp3");
  EXPECT_EQ(shell("ffprobe -v error -show_entries stream=bit_rate -of csv=p=0 '" + path("mix.mp3") + "'"), "192000");
  EXPECT_EQ(shell("metaflac --show-total-samples '" + path("mix.flac") + "'"),
            std::to_string(e["frames_in"].get<std::uint64_t>()))
      << "a clean stop writes the totals into STREAMINFO";
}

TEST_F(EncoderNodeTest, KilledEncoderLosesAtMostOneSecondAndItsRestartStartsANewFile) {
  // The test listens to the same stream, so it knows what the encoder had received.
  std::mutex m;
  std::uint64_t frames_seen = 0;
  auto listener = mesh::AudioSubscriber::start(audio_, "master", [&](StreamChunk c) {
    std::lock_guard<std::mutex> lock(m);
    frames_seen += c.block.frames;
  });
  ASSERT_TRUE(listener) << error_sentence(listener.error());
  const pid_t enc = start_encoder("enc1", {"hifi:file:" + path("rec.flac"), "mobile:file:" + path("rec.opus")});
  std::this_thread::sleep_for(300ms);
  std::thread mixer_thread;
  NodeRun mixer;
  mixer_thread = std::thread([&] { mixer = run_mixer(14); });
  // Kill the encoder 6 s into the music.
  for (int i = 0; i < 400; ++i) {
    {
      std::lock_guard<std::mutex> lock(m);
      if (frames_seen >= 6 * 48000) break;
    }
    std::this_thread::sleep_for(25ms);
  }
  double received_seconds = 0;
  {
    std::lock_guard<std::mutex> lock(m);
    received_seconds = frames_seen / 48000.0;
  }
  ASSERT_EQ(::kill(enc, SIGKILL), 0);
  wait_for_exit(enc, 5s);
  pids_.erase(std::remove(pids_.begin(), pids_.end(), enc), pids_.end());
  // The partial files decode up to at most ~1 s before the kill.
  EXPECT_EQ(run_quiet({"/usr/bin/flac", "-t", "-s", path("rec.flac")}), 0);
  // opusinfo calls a stream without end-of-stream page an error; opusdec decodes it.
  EXPECT_EQ(run_quiet({"/usr/bin/opusdec", "--quiet", path("rec.opus"), "/dev/null"}), 0);
  const auto flac = read_audio(path("rec.flac"));
  const double flac_seconds = flac.sample_rate_hz ? static_cast<double>(flac.frames) / flac.sample_rate_hz : 0;
  EXPECT_GE(flac_seconds, received_seconds - 1.0) << "received " << received_seconds << " s before the kill";
  EXPECT_GE(probe_duration(path("rec.opus")), received_seconds - 1.0);
  std::printf("kill -9 after %.2f s received: flac kept %.2f s, opus %.2f s\n", received_seconds, flac_seconds,
              probe_duration(path("rec.opus")));
  // Restarted with the same outputs: new files next to the old ones.
  const pid_t enc2 = start_encoder("enc2", {"hifi:file:" + path("rec.flac"), "mobile:file:" + path("rec.opus")});
  mixer_thread.join();
  auto summary = stop_encoder(enc2, "enc2");
  ASSERT_EQ(mixer.exit_status, 0) << mixer.err;
  EXPECT_EQ(mixer.summary["errors"].dump(), "[]") << "the mixer published its stream";
  EXPECT_EQ(test::producer_fault(mixer.summary), "") << "the mix never stopped";  // producer underruns (see above)
  EXPECT_EQ(mixer.summary["mixer_underrun_frames"], 0) << mixer.summary.dump(2);
  EXPECT_NEAR(mixer.summary["seconds_played"].get<double>(), 14.0, 0.01);
  EXPECT_TRUE(std::filesystem::exists(path("rec-2.flac")));
  EXPECT_TRUE(std::filesystem::exists(path("rec-2.opus")));
  EXPECT_EQ(run_quiet({"/usr/bin/flac", "-t", "-s", path("rec-2.flac")}), 0);
  EXPECT_GT(probe_duration(path("rec-2.flac")), 4.0);
  ASSERT_FALSE(summary.is_null());
}

TEST_F(EncoderNodeTest, TwoEncoderProcessesWithThreePresetsEachSeeNoGaps) {
  std::vector<std::pair<pid_t, std::string>> encs;
  for (const std::string n : {"e1", "e2"})
    encs.push_back({start_encoder(n, {"mobile:file:" + path(n + ".opus"), "hifi:file:" + path(n + ".flac"),
                                      "podcast:file:" + path(n + ".mp3")}),
                    n});
  std::this_thread::sleep_for(300ms);
  auto mixer = run_mixer(8);
  ASSERT_EQ(mixer.exit_status, 0) << mixer.err;
  for (auto& [pid, n] : encs) {
    auto s = stop_encoder(pid, n);
    ASSERT_FALSE(s.is_null()) << n;
    EXPECT_EQ(s["encoder"]["gaps"], 0) << n;
    EXPECT_EQ(s["encoder"]["dropped_chunks"], 0) << n;
    EXPECT_EQ(run_quiet({"/usr/bin/opusinfo", path(n + ".opus")}), 0) << n;
    EXPECT_EQ(run_quiet({"/usr/bin/flac", "-t", "-s", path(n + ".flac")}), 0) << n;
    EXPECT_GT(probe_duration(path(n + ".mp3")), 7.5) << n;
  }
}

TEST_F(EncoderNodeTest, LocalEncoderOfAnOfflineRenderRecordsEveryFrame) {
  auto r = run_audio_node({"--a", music_ + "/frontiers.mp3", "--backend", "virtual", "--realtime", "false",
                           "--duration", "10", "--mesh", "off", "--encode", "hifi:file:" + path("local.flac")},
                          dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const auto& e = r.summary["encoder"];
  EXPECT_EQ(e["gaps"], 0) << e.dump(2);
  EXPECT_EQ(e["dropped_chunks"], 0);
  const auto flac = read_audio(path("local.flac"));
  EXPECT_GE(flac.frames, 10 * 48000);
  EXPECT_LE(flac.frames, 10 * 48000 + 4 * 256) << "at most the blocks rendered ahead of the device";
  EXPECT_GT(rms_dbfs(flac), -30.0);
}

TEST_F(EncoderNodeTest, UnknownPresetIsRefusedNamingTheKnownOnes) {
  auto r = run_audio_node(
      {"--roles", "encoder", "--source", audio_, "--mesh", "off", "--encode", "mobil:file:" + path("x.opus")}, dir_);
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("mobil"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("podcast"), std::string::npos) << r.err;
}

TEST_F(EncoderNodeTest, EncoderOnlyNodeWithoutSourceSaysWhatIsMissing) {
  auto r = run_audio_node({"--roles", "encoder", "--mesh", "off", "--encode", "hifi:file:" + path("x.flac")}, dir_);
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("--source"), std::string::npos) << r.err;
}

TEST_F(EncoderNodeTest, UnwritablePathIsNamedAndTheNodeKeepsPlaying) {
  const std::string blocked = path("file-not-dir");
  std::ofstream(blocked) << "x";
  auto r = run_audio_node(
      {"--a", music_ + "/frontiers.mp3", "--backend", "virtual", "--realtime", "false", "--duration", "3", "--mesh",
       "off", "--encode", "hifi:file:" + blocked + "/mix.flac", "--encode", "mobile:file:" + path("ok.opus")},
      dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NEAR(r.summary["seconds_played"].get<double>(), 3.0, 0.01);
  EXPECT_NE(r.summary["errors"].dump().find(blocked + "/mix.flac"), std::string::npos) << r.summary["errors"].dump();
  EXPECT_EQ(run_quiet({"/usr/bin/opusinfo", path("ok.opus")}), 0) << "the other output is unaffected";
}

TEST_F(EncoderNodeTest, IcecastListenersDecodeTheOpusAndMp3MountsOfTheNode) {
  IcecastServer icecast;
  ASSERT_EQ(icecast.start(), "");
  const std::string base = std::string("icecast://source:") + IcecastServer::kSourcePassword +
                           "@127.0.0.1:" + std::to_string(icecast.port());
  const pid_t node = spawn_process(
      {AUDIO_NODE_BIN, "--a", music_ + "/frontiers.mp3", "--b", music_ + "/machine_wars.mp3", "--backend", "virtual",
       "--realtime", "true", "--duration", "14", "--mesh", "off", "--encode", "mobile:" + base + "/room-a.opus",
       "--encode", "mp3:" + base + "/room-a.mp3", "--summary-json", path("node.json")},
      path("node.out"), path("node.err"));
  pids_.push_back(node);
  // Both mounts are listed once the node streams.
  std::string status;
  for (int i = 0; i < 100; ++i) {
    status = IcecastServer::http_get(icecast.port(), "/status-json.xsl");
    if (status.find("/room-a.opus") != std::string::npos && status.find("/room-a.mp3") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(status.find("/room-a.opus"), std::string::npos) << status << icecast.error_log();
  EXPECT_NE(status.find("/room-a.mp3"), std::string::npos) << status;
  EXPECT_NE(status.find("audio/mpeg"), std::string::npos) << status;
  EXPECT_NE(status.find("audio/ogg"), std::string::npos) << status;
  // A listener decodes 5 s from each mount (both at once).
  std::vector<pid_t> listeners;
  for (const char* mount : {"room-a.opus", "room-a.mp3"})
    listeners.push_back(spawn_process(
        {"/usr/bin/ffmpeg", "-v", "error", "-i", "http://127.0.0.1:" + std::to_string(icecast.port()) + "/" + mount,
         "-t", "5", "-f", "null", "-"},
        path(std::string(mount) + ".out"), path(std::string(mount) + ".err")));
  for (std::size_t i = 0; i < listeners.size(); ++i)
    EXPECT_EQ(wait_for_exit(listeners[i], 20s).value_or(-1), 0)
        << shell("cat '" + path(i ? "room-a.mp3.err" : "room-a.opus.err") + "'");
  EXPECT_EQ(wait_for_exit(node, 30s).value_or(-1), 0);
  pids_.erase(std::remove(pids_.begin(), pids_.end(), node), pids_.end());
  auto summary = read_json(path("node.json"));
  ASSERT_FALSE(summary.is_null());
  for (const auto& o : summary["encoder"]["outputs"]) {
    EXPECT_EQ(o["reconnects"], 0) << o.dump();
    EXPECT_GT(o["bytes_out"].get<double>(), 50000) << o.dump();
  }
}

TEST_F(EncoderNodeTest, WrongIcecastPasswordIsReportedWhileTheNodePlaysOn) {
  IcecastServer icecast;
  ASSERT_EQ(icecast.start(), "");
  auto r = run_audio_node(
      {"--a", music_ + "/frontiers.mp3", "--backend", "virtual", "--realtime", "true", "--duration", "4", "--mesh",
       "off", "--encode", "mobile:icecast://source:wrong@127.0.0.1:" + std::to_string(icecast.port()) + "/x.opus"},
      dir_);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NEAR(r.summary["seconds_played"].get<double>(), 4.0, 0.01);
  const auto& o = r.summary["encoder"]["outputs"][0];
  EXPECT_EQ(o["state"], "auth_failed") << o.dump();
  EXPECT_NE(o["last_error"].get<std::string>().find("x.opus"), std::string::npos) << o.dump();
}

}  // namespace
}  // namespace crowdmesh::test
