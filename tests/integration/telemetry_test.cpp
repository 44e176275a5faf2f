// Telemetry as an operator and an installer use it (issue "Telemetry"): three
// nodes on loopback (deploy/mesh.local.toml) playing asc-music, watched with
// `control_node top --once --json`; a forced underrun; the Prometheus
// endpoint checked by promtool and scraped by a real Prometheus server.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "audio_files.hpp"
#include "child_process.hpp"
#include "http_get.hpp"
#include "node_process.hpp"

namespace crowdmesh::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string slurp(const std::string& path) { return read_text(path); }

class TelemetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    music_ = music_dir();
    ASSERT_FALSE(music_.empty()) << "run deploy/fetch-demo-music.sh";
    dir_ = make_temp_dir("crowdmesh-telemetry");
  }
  void TearDown() override {
    for (auto pid : pids_)
      if (pid > 0) terminate_process(pid);
    std::filesystem::remove_all(dir_);
  }

  void start_node(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{AUDIO_NODE_BIN, "--config", MESH_LOCAL_TOML,           "--name", name, "--backend",
                                  "virtual",      "--a",      music_ + "/frontiers.mp3", "--loop"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const pid_t pid = spawn_process(argv, dir_ + "/" + name + ".out", dir_ + "/" + name + ".log");
    ASSERT_GT(pid, 0);
    pids_.push_back(pid);
  }

  ControlRun ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--connect", "tcp://127.0.0.1:7700"});
    return run_control_node(CONTROL_NODE_BIN, args, dir_);
  }

  nlohmann::json top() {
    auto r = ctl({"--json", "top", "--once"});
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  static const nlohmann::json* node_of(const nlohmann::json& top, const std::string& name) {
    if (!top.is_object() || !top.contains("nodes")) return nullptr;
    for (const auto& n : top["nodes"])
      if (n.value("node", "") == name) return &n;
    return nullptr;
  }

  // Waits until every named node reports device, mixer and process telemetry
  // and is fresh (a node still loading its tracks can miss a few intervals),
  // and until each has heard every other (heartbeats every 500 ms).
  nlohmann::json wait_reporting(const std::vector<std::string>& names, std::chrono::milliseconds timeout) {
    nlohmann::json t;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      t = top();
      bool all = true;
      for (const auto& n : names) {
        const auto* x = node_of(t, n);
        all = all && x && (*x)["alive"] == true && (*x)["stale"] == false && !(*x)["device"].is_null() &&
              !(*x)["process"].is_null() && !(*x)["decks"].empty();
        if (x)
          for (const auto& l : (*x)["links"])
            if (std::find(names.begin(), names.end(), l.value("node", "")) != names.end())
              all = all && l.value("alive", false);
      }
      if (all) return t;
      std::this_thread::sleep_for(100ms);
    }
    return t;
  }

  std::string music_, dir_;
  std::vector<pid_t> pids_;
};

TEST_F(TelemetryTest, TopOnceJsonShowsThreeNodesWithEveryField) {
  for (const char* n : {"room-a", "room-b", "room-c"}) start_node(n);
  auto t = wait_reporting({"room-a", "room-b", "room-c"}, 20s);
  ASSERT_EQ(t["nodes"].size(), 3u) << t.dump(2);
  for (const char* name : {"room-a", "room-b", "room-c"}) {
    const auto* n = node_of(t, name);
    ASSERT_NE(n, nullptr) << name;
    EXPECT_EQ((*n)["alive"], true) << name;
    EXPECT_EQ((*n)["stale"], false) << name;
    const auto& d = (*n)["device"];
    for (const char* f : {"xruns", "callback_p50_pct", "callback_p99_pct", "callback_max_pct", "ring_fill_frames",
                          "ring_capacity_frames", "period_us", "sample_rate_hz"})
      EXPECT_TRUE(d.contains(f)) << name << " device." << f;
    ASSERT_FALSE((*n)["decks"].empty()) << name;
    const auto& deck = (*n)["decks"][0];
    EXPECT_EQ(deck["deck"], "A");
    EXPECT_NE(deck["file"].get<std::string>().find("frontiers.mp3"), std::string::npos);
    for (const char* f : {"position_seconds", "gain_db", "rms_dbfs", "peak_dbfs", "stretch_method", "reserve_seconds"})
      EXPECT_TRUE(deck.contains(f)) << name << " deck." << f;
    EXPECT_GT(deck["rms_dbfs"].get<double>(), -60.0) << name << ": the deck plays music";
    EXPECT_EQ(deck["stretch_method"], "playback_rate");
    EXPECT_FALSE((*n)["master"].is_null());
    EXPECT_TRUE((*n)["master"].contains("momentary_lufs"));
    EXPECT_EQ((*n)["links"].size(), 2u) << name << ": a link to each other node";
    for (const auto& l : (*n)["links"]) EXPECT_EQ(l["alive"], true);
    EXPECT_GT((*n)["process"]["rss_bytes"].get<double>(), 1e6);
    EXPECT_TRUE((*n)["process"].contains("cpu_percent"));
  }
  const auto* a = node_of(t, "room-a");
  ASSERT_FALSE((*a)["tempo"].is_null()) << "room-a is the tempo node";
  EXPECT_NEAR((*a)["tempo"]["current_bpm"].get<double>(), 120.0, 0.01);
}

TEST_F(TelemetryTest, ForcedUnderrunShowsAsXrunsWithinOneRefresh) {
  for (const char* n : {"room-a", "room-b"}) start_node(n);
  auto t = wait_reporting({"room-a", "room-b"}, 20s);
  const auto* b = node_of(t, "room-b");
  ASSERT_NE(b, nullptr) << t.dump(2);
  const auto before = (*b)["device"]["xruns"].get<std::uint64_t>();
  // Stall room-b's mixer: its device ring runs dry.
  auto r = ctl({"--to", "room-b", "stall", "mixer", "300"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto stalled_at = Clock::now();
  std::uint64_t after = before;
  double seen_after_ms = -1;
  while (Clock::now() - stalled_at < 2s) {
    auto now = top();
    if (const auto* x = node_of(now, "room-b"); x && !(*x)["device"].is_null())
      after = (*x)["device"]["xruns"].get<std::uint64_t>();
    if (after > before) {
      seen_after_ms = std::chrono::duration<double, std::milli>(Clock::now() - stalled_at).count();
      break;
    }
  }
  EXPECT_GT(after, before) << "the underrun shows up in top";
  // One refresh of top is 250 ms; a top request costs about one round trip.
  EXPECT_LT(seen_after_ms, 250.0 + 100.0);
  std::printf("stall of 300 ms: xruns %llu -> %llu, seen %.0f ms after the stall reply\n",
              static_cast<unsigned long long>(before), static_cast<unsigned long long>(after), seen_after_ms);
}

TEST_F(TelemetryTest, PrometheusScrapesTheNodeAndPromtoolAcceptsItsMetrics) {
  const std::uint16_t port = free_tcp_port();
  start_node("room-a", {"--metrics-port", std::to_string(port)});
  // The endpoint serves the node's telemetry once the first samples exist.
  std::optional<HttpResponse> res;
  const auto deadline = Clock::now() + 15s;
  while (Clock::now() < deadline) {
    res = http_get("127.0.0.1", port, "/metrics");
    if (res && res->status == 200 && res->body.find("crowdmesh_device_xruns_total") != std::string::npos &&
        res->body.find("crowdmesh_deck_rms_dbfs") != std::string::npos)
      break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(res && res->status == 200);
  EXPECT_NE(res->body.find("crowdmesh_device_xruns_total{node=\"room-a\"}"), std::string::npos) << res->body;
  EXPECT_NE(res->header("Content-Type").find("text/plain"), std::string::npos);
  const std::string metrics = dir_ + "/metrics.txt";
  std::ofstream(metrics) << res->body;
  EXPECT_EQ(run_quiet({"/bin/sh", "-c",
                       "/usr/bin/promtool check metrics < '" + metrics + "' > '" + dir_ + "/promtool.txt' 2>&1"}),
            0)
      << slurp(dir_ + "/promtool.txt");
  EXPECT_EQ(slurp(dir_ + "/promtool.txt"), "") << "no lint warnings";

  // A real Prometheus scrapes it.
  const std::uint16_t prom_port = free_tcp_port();
  std::ofstream(dir_ + "/prometheus.yml")
      << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: crowdmesh\n"
      << "    static_configs:\n      - targets: ['127.0.0.1:" << port << "']\n";
  const pid_t prom = spawn_process(
      {"/usr/bin/prometheus", "--config.file=" + dir_ + "/prometheus.yml", "--storage.tsdb.path=" + dir_ + "/tsdb",
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
      dir_ + "/prometheus.out", dir_ + "/prometheus.log");
  ASSERT_GT(prom, 0);
  pids_.push_back(prom);
  nlohmann::json answer;
  const auto until = Clock::now() + 30s;
  while (Clock::now() < until) {
    auto q = http_get("127.0.0.1", prom_port, "/api/v1/query?query=crowdmesh_device_xruns_total");
    if (q && q->status == 200) {
      answer = nlohmann::json::parse(q->body, nullptr, false);
      if (!answer.is_discarded() && !answer["data"]["result"].empty()) break;
    }
    std::this_thread::sleep_for(250ms);
  }
  ASSERT_FALSE(answer.is_discarded());
  ASSERT_FALSE(answer["data"]["result"].empty()) << answer.dump() << slurp(dir_ + "/prometheus.log");
  EXPECT_EQ(answer["data"]["result"][0]["metric"]["node"], "room-a");
  EXPECT_EQ(answer["data"]["result"][0]["metric"]["__name__"], "crowdmesh_device_xruns_total");
}

TEST_F(TelemetryTest, EncoderOnlyNodeReportsItsOutputsInTop) {
  start_node("room-a");
  // An encoder node on its own ports takes room-a's stream.
  const pid_t enc =
      spawn_process({AUDIO_NODE_BIN, "--config", MESH_LOCAL_TOML, "--name", "room-c", "--roles", "encoder,telemetry",
                     "--source", "room-a", "--encode", "hifi:file:" + dir_ + "/room-a.flac"},
                    dir_ + "/enc.out", dir_ + "/enc.log");
  pids_.push_back(enc);
  nlohmann::json t;
  const auto deadline = Clock::now() + 20s;
  const nlohmann::json* c = nullptr;
  while (Clock::now() < deadline) {
    t = top();
    c = node_of(t, "room-c");
    if (c && !(*c)["encoder"].is_null() && (*c)["encoder"]["frames_in"].get<double>() > 48000) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(c && !(*c)["encoder"].is_null()) << t.dump(2);
  const auto& e = (*c)["encoder"];
  EXPECT_EQ(e["stream_id"], "room-a/master");
  ASSERT_EQ(e["outputs"].size(), 1u);
  EXPECT_EQ(e["outputs"][0]["name"], "hifi");
  EXPECT_EQ(e["outputs"][0]["sink_state"], "open");
  EXPECT_GT(e["outputs"][0]["realtime_factor"].get<double>(), 1.0);
  EXPECT_EQ(e["gaps"], 0);
  EXPECT_TRUE((*c)["device"].is_null()) << "no device on an encoder-only node";
}

}  // namespace
}  // namespace crowdmesh::test
