// Loads an operator (or anyone on the LAN) can send that must not stop a
// playing node: paths outside the media roots, a FIFO, a device, a burst of
// refused loads. The node keeps playing deck A, answers `status` throughout,
// and counts the refusals in its telemetry (`control_node top`).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "audio_files.hpp"
#include "child_process.hpp"
#include "node_process.hpp"

namespace crowdmesh::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class LoadAbuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    music_ = music_dir();
    ASSERT_FALSE(music_.empty()) << "run deploy/fetch-demo-music.sh";
    dir_ = make_temp_dir("crowdmesh-abuse");
    uploads_ = dir_ + "/uploads";
    std::filesystem::create_directories(uploads_);
    pid_ = spawn_process({AUDIO_NODE_BIN, "--config", MESH_LOCAL_TOML, "--name", "room-a", "--backend", "virtual", "--a",
                          music_ + "/frontiers.mp3", "--loop", "--media-root", music_, "--media-root", uploads_,
                          "--record", dir_ + "/rec.wav", "--summary-json", dir_ + "/summary.json"},
                         dir_ + "/node.out", dir_ + "/node.log");
    ASSERT_GT(pid_, 0);
    const auto deadline = Clock::now() + 15s;
    while (Clock::now() < deadline && ctl({"status"}).status != 0) std::this_thread::sleep_for(100ms);
  }
  void TearDown() override {
    if (pid_ > 0) terminate_process(pid_);
    std::filesystem::remove_all(dir_);
  }

  // control_node against room-a; `out` holds stdout and stderr.
  ControlRun ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--connect", "tcp://127.0.0.1:7700"});
    auto r = run_control_node(CONTROL_NODE_BIN, args, dir_);
    r.out += r.err;
    return r;
  }

  /// room-a's master telemetry once `ready` holds for it (a node nobody
  /// watched samples once a second: the first `top` may show the sample from
  /// before the last commands), or the last one seen after 5 s.
  nlohmann::json master(const std::function<bool(const nlohmann::json&)>& ready) {
    nlohmann::json m;
    const auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline) {
      auto t = nlohmann::json::parse(ctl({"--json", "top", "--once"}).out, nullptr, false);
      if (t.is_object() && t.contains("nodes"))
        for (const auto& n : t["nodes"])
          if (n.value("node", "") == "room-a" && n.contains("master") && n["master"].is_object()) m = n["master"];
      if (!m.is_null() && ready(m)) return m;
      std::this_thread::sleep_for(200ms);
    }
    return m;
  }

  pid_t pid_ = -1;
  std::string music_, dir_, uploads_;
};

TEST_F(LoadAbuseTest, RefusedLoadsNeitherStopTheMusicNorTheReplies) {
  // Outside the roots: refused without saying whether the file exists.
  for (const std::string& path : std::vector<std::string>{"/etc/passwd", "/etc/no-such-file.wav",
                                                          music_ + "/../../../../etc/hostname",
                                 std::string("/dev/zero")}) {
    auto r = ctl({"--json", "load", "B", path});
    EXPECT_NE(r.status, 0) << path;
    EXPECT_NE(r.out.find("ERROR_CODE_NOT_ALLOWED"), std::string::npos) << path << ": " << r.out;
    EXPECT_NE(r.out.find("is not allowed"), std::string::npos) << path << ": " << r.out;
    EXPECT_EQ(r.out.find("not found"), std::string::npos) << path << ": " << r.out;
  }
  // A FIFO inside a root: refused at once (before, the node blocked in open()
  // until a writer came, and answered nothing meanwhile).
  const auto fifo = uploads_ + "/track.wav";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto r = ctl({"load", "C", fifo});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("not a regular file (a FIFO)"), std::string::npos) << r.out;
  EXPECT_LT(r.took, 5s) << r.out;
  // A burst of refused loads; the node answers status all along.
  for (int i = 0; i < 50; ++i) {
    auto b = ctl({"load", "D", "/etc/shadow"});
    EXPECT_NE(b.status, 0);
  }
  auto status = ctl({"--json", "status"});
  ASSERT_EQ(status.status, 0) << status.out;
  auto j = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << status.out;
  EXPECT_EQ(j["ok"]["status"]["decks"][0]["buffers"][0]["state"], "BUFFER_STATE_PLAYING") << status.out;
  // A load inside the roots still works.
  auto ok = ctl({"load", "B", music_ + "/machine_wars.mp3"});
  EXPECT_EQ(ok.status, 0) << ok.out;

  const auto m = master([](const nlohmann::json& j) { return j.value("loads_refused", std::uint64_t{0}) >= 54u; });
  ASSERT_FALSE(m.is_null()) << "no mixer telemetry";
  EXPECT_EQ(m["loads_refused"].get<std::uint64_t>(), 54u) << m.dump(2);
  EXPECT_EQ(m["load_timeouts"].get<std::uint64_t>(), 0u) << m.dump(2);

  std::this_thread::sleep_for(3s);  // deck A plays on after all of it
  ASSERT_EQ(terminate_process(pid_), 0);
  pid_ = -1;
  std::ifstream in(dir_ + "/summary.json");
  auto s = nlohmann::json::parse(in, nullptr, false);
  std::printf("room-a: %s\n", host_lateness(s).c_str());
  EXPECT_EQ(producer_fault(s), "") << s.dump(2);
  auto rec = read_audio(dir_ + "/rec.wav");
  ASSERT_GT(rec.frames, 2 * 48000);
  EXPECT_GT(rms_dbfs(rec, rec.frames - 48000, 48000), -40.0) << "deck A still plays at the end";
}

}  // namespace
}  // namespace crowdmesh::test
