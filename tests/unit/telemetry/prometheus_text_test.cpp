#include "telemetry/prometheus_text.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "audio_files.hpp"

namespace crowdmesh::telemetry {
namespace {

struct PromtoolResult {
  int status = -1;
  std::string output;  // stdout + stderr
};

// Pipes `text` into `promtool check metrics` (stdin) and collects what it prints.
PromtoolResult promtool_check(const std::string& text) {
  const std::string dir = test::make_temp_dir("crowdmesh-promtool");
  const std::string path = dir + "/metrics.txt";
  std::ofstream(path) << text;
  PromtoolResult r;
  const std::string cmd = "/usr/bin/promtool check metrics < '" + path + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[512];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::filesystem::remove_all(dir);
  return r;
}

std::vector<MetricFamily> node_families() {
  MetricsBuilder b;
  b.counter("crowdmesh_device_xruns_total", "Device buffer under- and overruns since start.")
      .add({{"node", "room-a"}}, 3)
      .add({{"node", "room-b"}}, 0);
  b.gauge("crowdmesh_deck_rms_dbfs", "RMS level per deck over the last interval, dBFS.")
      .add({{"node", "room-a"}, {"deck", "A"}}, -18.25)
      .add({{"node", "room-a"}, {"deck", "B"}}, -120);
  b.gauge("crowdmesh_process_resident_memory_bytes", "Resident set size.").add({{"node", "room-a"}}, 52428800);
  b.gauge("crowdmesh_encoder_lag_seconds", "Encoder lag behind the mixer.")
      .add({{"node", "room-a"}, {"encoder", "opus \"main\"\\stream\nlive"}}, 0.0125)
      .add({{"node", "room-a"}, {"encoder", "idle"}}, std::numeric_limits<double>::quiet_NaN())
      .add({{"node", "room-a"}, {"encoder", "down"}}, std::numeric_limits<double>::infinity())
      .add({{"node", "room-a"}, {"encoder", "gone"}}, -std::numeric_limits<double>::infinity());
  b.gauge("crowdmesh_node_up", "1 while the node runs.\nEscaped \\ help.").add(1);
  return b.families();
}

TEST(PrometheusTextTest, RendersHelpTypeAndOneLinePerSample) {
  MetricsBuilder b;
  b.counter("crowdmesh_device_xruns_total", "Device xruns.").add({{"node", "room-a"}}, 3);
  b.gauge("crowdmesh_deck_peak_dbfs", "Peak.").add({{"node", "room-a"}, {"deck", "A"}}, -6.5);
  EXPECT_EQ(b.render(),
            "# HELP crowdmesh_device_xruns_total Device xruns.\n"
            "# TYPE crowdmesh_device_xruns_total counter\n"
            "crowdmesh_device_xruns_total{node=\"room-a\"} 3\n"
            "# HELP crowdmesh_deck_peak_dbfs Peak.\n"
            "# TYPE crowdmesh_deck_peak_dbfs gauge\n"
            "crowdmesh_deck_peak_dbfs{node=\"room-a\",deck=\"A\"} -6.5\n");
}

TEST(PrometheusTextTest, RenderedTextPassesPromtoolCheckMetricsWithoutLintWarnings) {
  std::vector<std::string> problems;
  const std::string text = render_prometheus_text(node_families(), &problems);
  EXPECT_TRUE(problems.empty());
  const PromtoolResult r = promtool_check(text);
  EXPECT_EQ(r.status, 0) << r.output << "\n--- text ---\n" << text;
  EXPECT_EQ(r.output, "") << text;
}

TEST(PrometheusTextTest, PromtoolWouldRejectWhatTheRendererSkips) {
  // The check can fail: promtool does flag a counter without _total, which the renderer never writes.
  const PromtoolResult r = promtool_check("# HELP x_count c\n# TYPE x_count counter\nx_count 1\n");
  EXPECT_NE(r.status, 0);
  std::vector<std::string> problems;
  EXPECT_EQ(render_prometheus_text({MetricFamily{"x_count", "c", MetricType::counter, {{{}, 1}}}}, &problems), "");
  EXPECT_EQ(problems.size(), 1u);
}

TEST(PrometheusTextTest, EscapesBackslashQuoteAndNewlineInLabelValues) {
  MetricsBuilder b;
  b.gauge("g", "h").add({{"encoder", "a\\b\"c\nd"}}, 1);
  EXPECT_NE(b.render().find("g{encoder=\"a\\\\b\\\"c\\nd\"} 1\n"), std::string::npos) << b.render();
}

TEST(PrometheusTextTest, EscapesBackslashAndNewlineButNotQuotesInHelp) {
  MetricsBuilder b;
  b.gauge("g", "line \"one\"\nback\\slash").add(1);
  EXPECT_NE(b.render().find("# HELP g line \"one\"\\nback\\\\slash\n"), std::string::npos) << b.render();
}

TEST(PrometheusTextTest, SpellsNanAndInfinitiesAsPrometheusDoes) {
  MetricsBuilder b;
  b.gauge("g", "h").add({{"v", "nan"}}, std::nan("")).add({{"v", "pos"}}, HUGE_VAL).add({{"v", "neg"}}, -HUGE_VAL);
  const std::string text = b.render();
  EXPECT_NE(text.find("g{v=\"nan\"} NaN\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{v=\"pos\"} +Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{v=\"neg\"} -Inf\n"), std::string::npos) << text;
}

TEST(PrometheusTextTest, WritesShortestTextThatReadsBackToTheSameValue) {
  MetricsBuilder b;
  b.gauge("g", "h").add({{"v", "a"}}, 0.1).add({{"v", "b"}}, 1e-9).add({{"v", "c"}}, 123456789012.0);
  const std::string text = b.render();
  EXPECT_NE(text.find("g{v=\"a\"} 0.1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{v=\"b\"} 1e-09\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{v=\"c\"} 123456789012\n"), std::string::npos) << text;
}

TEST(PrometheusTextTest, SkipsFamilyWithInvalidNameAndReportsIt) {
  std::vector<std::string> problems;
  const std::string text =
      render_prometheus_text({MetricFamily{"9lives", "h", MetricType::gauge, {{{}, 1}}},
                              MetricFamily{"bad-name", "h", MetricType::gauge, {{{}, 1}}},
                              MetricFamily{"good:name_seconds", "h", MetricType::gauge, {{{}, 2}}}},
                             &problems);
  EXPECT_EQ(text, "# HELP good:name_seconds h\n# TYPE good:name_seconds gauge\ngood:name_seconds 2\n");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("\"9lives\""), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("\"bad-name\""), std::string::npos) << problems[1];
}

TEST(PrometheusTextTest, SkipsCounterWhoseNameDoesNotEndInTotal) {
  std::vector<std::string> problems;
  const std::string text =
      render_prometheus_text({MetricFamily{"crowdmesh_device_xruns", "h", MetricType::counter, {{{}, 1}}}}, &problems);
  EXPECT_EQ(text, "");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "metric crowdmesh_device_xruns skipped: a counter's name must end in _total");
}

TEST(PrometheusTextTest, SkipsSampleWithInvalidOrReservedOrDuplicateLabelName) {
  std::vector<std::string> problems;
  MetricsBuilder b;
  b.gauge("g", "h")
      .add({{"deck-name", "A"}}, 1)
      .add({{"__name__", "x"}}, 2)
      .add({{"node", "a"}, {"node", "b"}}, 3)
      .add({{"node", "a"}}, 4);
  const std::string text = b.render(&problems);
  EXPECT_EQ(text, "# HELP g h\n# TYPE g gauge\ng{node=\"a\"} 4\n");
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("\"deck-name\""), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("\"__name__\""), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("given twice"), std::string::npos) << problems[2];
}

TEST(PrometheusTextTest, SkipsNegativeCounterSample) {
  std::vector<std::string> problems;
  MetricsBuilder b;
  b.counter("c_total", "h").add({{"node", "a"}}, -1).add({{"node", "b"}}, 5);
  EXPECT_EQ(b.render(&problems), "# HELP c_total h\n# TYPE c_total counter\nc_total{node=\"b\"} 5\n");
  EXPECT_EQ(problems.size(), 1u);
}

TEST(PrometheusTextTest, SkipsSecondFamilyWithTheSameName) {
  std::vector<std::string> problems;
  const std::string text = render_prometheus_text({MetricFamily{"g", "first", MetricType::gauge, {{{}, 1}}},
                                                   MetricFamily{"g", "second", MetricType::gauge, {{{}, 2}}}},
                                                  &problems);
  EXPECT_EQ(text, "# HELP g first\n# TYPE g gauge\ng 1\n");
  EXPECT_EQ(problems.size(), 1u);
}

TEST(PrometheusTextTest, BuilderAddsToTheFamilySelectedAgainByName) {
  MetricsBuilder b;
  b.gauge("a", "ha").add({{"deck", "A"}}, 1);
  b.gauge("b", "hb").add(2);
  b.gauge("a", "ignored").add({{"deck", "B"}}, 3);
  ASSERT_EQ(b.families().size(), 2u);
  EXPECT_EQ(b.families()[0].samples.size(), 2u);
  EXPECT_EQ(b.families()[0].help, "ha");
}

TEST(PrometheusTextTest, ValidatesNamesAgainstThePrometheusPatterns) {
  EXPECT_TRUE(is_valid_metric_name("a:b_c9"));
  EXPECT_TRUE(is_valid_metric_name("_x"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_FALSE(is_valid_metric_name("a.b"));
  EXPECT_TRUE(is_valid_label_name("deck_2"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("__reserved"));
  EXPECT_FALSE(is_valid_label_name("2x"));
}

}  // namespace
}  // namespace crowdmesh::telemetry
