#include "telemetry/metrics_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "http_get.hpp"

namespace crowdmesh::telemetry {
namespace {

const std::string kText =
    "# HELP crowdmesh_device_xruns_total Device xruns.\n"
    "# TYPE crowdmesh_device_xruns_total counter\n"
    "crowdmesh_device_xruns_total{node=\"room-a\"} 3\n";

std::unique_ptr<MetricsServer> start_or_fail(std::function<std::string()> render) {
  auto server = MetricsServer::start("127.0.0.1", 0, std::move(render));
  if (!server) {
    ADD_FAILURE() << error_sentence(server.error());
    return nullptr;
  }
  return std::move(*server);
}

TEST(MetricsServerTest, GetMetricsReturnsRenderedTextWithPrometheusContentType) {
  auto server = start_or_fail([] { return kText; });
  ASSERT_NE(server, nullptr);
  EXPECT_NE(server->port(), 0);
  const auto r = test::http_get("127.0.0.1", server->port(), "/metrics");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r->body, kText);
}

TEST(MetricsServerTest, RendersAfreshOnEveryScrape) {
  std::atomic<int> scrapes{0};
  auto server = start_or_fail([&] { return "n " + std::to_string(++scrapes) + "\n"; });
  ASSERT_NE(server, nullptr);
  const auto first = test::http_get("127.0.0.1", server->port(), "/metrics");
  const auto second = test::http_get("127.0.0.1", server->port(), "/metrics");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "n 1\n");
  EXPECT_EQ(second->body, "n 2\n");
}

TEST(MetricsServerTest, RootPagePointsToMetrics) {
  auto server = start_or_fail([] { return kText; });
  ASSERT_NE(server, nullptr);
  const auto r = test::http_get("127.0.0.1", server->port(), "/");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("/metrics"), std::string::npos) << r->body;
}

TEST(MetricsServerTest, OtherPathsAreNotFound) {
  auto server = start_or_fail([] { return kText; });
  ASSERT_NE(server, nullptr);
  for (const char* path : {"/metric", "/metrics/x", "/favicon.ico"}) {
    const auto r = test::http_get("127.0.0.1", server->port(), path);
    ASSERT_TRUE(r.has_value()) << path;
    EXPECT_EQ(r->status, 404) << path;
  }
}

TEST(MetricsServerTest, NonGetMethodIsNotAllowed) {
  auto server = start_or_fail([] { return kText; });
  ASSERT_NE(server, nullptr);
  const auto r = test::http_request("127.0.0.1", server->port(), "DELETE", "/metrics");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("Allow"), "GET, HEAD");
}

TEST(MetricsServerTest, RenderThatThrowsGivesInternalServerError) {
  auto server = start_or_fail([]() -> std::string { throw std::runtime_error("snapshot missing"); });
  ASSERT_NE(server, nullptr);
  const auto r = test::http_get("127.0.0.1", server->port(), "/metrics");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("snapshot missing"), std::string::npos) << r->body;
}

TEST(MetricsServerTest, SecondServerOnTheSamePortFailsNamingAddressAndPort) {
  auto first = start_or_fail([] { return kText; });
  ASSERT_NE(first, nullptr);
  const std::uint16_t port = first->port();
  auto second = MetricsServer::start("127.0.0.1", port, [] { return kText; });
  ASSERT_FALSE(second);
  EXPECT_EQ(error_code(second.error()), errc::io_error);
  EXPECT_EQ(error_sentence(second.error()),
            "cannot serve metrics on 127.0.0.1:" + std::to_string(port) + ": Address already in use");
}

TEST(MetricsServerTest, NonNumericAddressIsRejectedWithTheAddressNamed) {
  auto server = MetricsServer::start("metrics.example", 9100, [] { return kText; });
  ASSERT_FALSE(server);
  EXPECT_EQ(error_code(server.error()), errc::value_out_of_range);
  EXPECT_EQ(error_sentence(server.error()),
            "cannot serve metrics on metrics.example:9100: the address is not a numeric IPv4 or IPv6 address");
}

TEST(MetricsServerTest, DestructorStopsServingAndFreesThePort) {
  auto server = start_or_fail([] { return kText; });
  ASSERT_NE(server, nullptr);
  const std::uint16_t port = server->port();
  server.reset();
  EXPECT_FALSE(test::http_get("127.0.0.1", port, "/metrics", std::chrono::seconds(2)).has_value());
  auto again = MetricsServer::start("127.0.0.1", port, [] { return kText; });
  EXPECT_TRUE(again) << error_sentence(again.error());
}

}  // namespace
}  // namespace crowdmesh::telemetry
