// A real Prometheus server scrapes a MetricsServer: the exposition is accepted
// end to end (parser, labels, counter) and the value comes back through the
// query API.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "audio_files.hpp"
#include "child_process.hpp"
#include "common/error.hpp"
#include "http_get.hpp"
#include "telemetry/metrics_server.hpp"
#include "telemetry/prometheus_text.hpp"

namespace crowdmesh::telemetry {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The sample of crowdmesh_device_xruns_total{node="room-a"} in a query API answer, or null.
nlohmann::json find_room_a(const std::string& body) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || doc.value("status", "") != "success") return nullptr;
  for (const auto& r : doc["data"]["result"])
    if (r["metric"].value("node", "") == "room-a") return r;
  return nullptr;
}

TEST(PrometheusScrapeTest, PrometheusScrapesTheCounterWithItsLabels) {
  MetricsBuilder builder;
  builder.counter("crowdmesh_device_xruns_total", "Device buffer under- and overruns since start.")
      .add({{"node", "room-a"}}, 3);
  builder.gauge("crowdmesh_deck_rms_dbfs", "RMS level per deck, dBFS.").add({{"node", "room-a"}, {"deck", "A"}}, -18.5);
  const std::string text = builder.render();
  auto server = MetricsServer::start("127.0.0.1", 0, [text] { return text; });
  ASSERT_TRUE(server) << error_sentence(server.error());

  const std::string dir = test::make_temp_dir("crowdmesh-prometheus");
  const std::string config = dir + "/prometheus.yml";
  std::ofstream(config) << "global:\n"
                           "  scrape_interval: 1s\n"
                           "  evaluation_interval: 1s\n"
                           "scrape_configs:\n"
                           "  - job_name: crowdmesh\n"
                           "    scrape_interval: 1s\n"
                           "    scrape_timeout: 1s\n"
                           "    static_configs:\n"
                           "      - targets: ['127.0.0.1:"
                        << (*server)->port()
                        << "']\n"
                           "        labels:\n"
                           "          installation: test-rig\n";
  const std::uint16_t web_port = test::free_tcp_port();
  ASSERT_NE(web_port, 0);
  const pid_t prometheus =
      test::spawn_process({"/usr/bin/prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir + "/data",
                           "--web.listen-address=127.0.0.1:" + std::to_string(web_port)},
                          dir + "/stdout.log", dir + "/stderr.log");
  ASSERT_GT(prometheus, 0) << "cannot start /usr/bin/prometheus";

  nlohmann::json sample;
  std::string last_body;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (test::wait_for_exit(prometheus, std::chrono::milliseconds(0))) break;  // died
    const auto r = test::http_get("127.0.0.1", web_port, "/api/v1/query?query=crowdmesh_device_xruns_total",
                                  std::chrono::seconds(2));
    if (r && r->status == 200) {
      last_body = r->body;
      sample = find_room_a(r->body);
      if (!sample.is_null()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // poll interval
  }
  const int status = test::terminate_process(prometheus);
  const std::string log = read_file(dir + "/stderr.log");

  ASSERT_FALSE(sample.is_null()) << "no sample after 20 s; last answer: " << last_body << "\nprometheus log:\n" << log;
  EXPECT_EQ(sample["value"][1], "3");
  EXPECT_EQ(sample["metric"].value("__name__", ""), "crowdmesh_device_xruns_total");
  EXPECT_EQ(sample["metric"].value("job", ""), "crowdmesh");
  EXPECT_EQ(sample["metric"].value("installation", ""), "test-rig");
  EXPECT_EQ(status, 0) << log;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace crowdmesh::telemetry
