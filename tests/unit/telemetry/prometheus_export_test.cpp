#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "audio_files.hpp"
#include "child_process.hpp"
#include "telemetry/prometheus_export.hpp"

namespace crowdmesh::telemetry {
namespace {

namespace v1 = crowdmesh::v1;

// One sample of every kind, as a node's telemetry actor makes them.
std::vector<v1::Telemetry> every_kind() {
  std::vector<v1::Telemetry> out;
  v1::Telemetry t;
  auto* d = t.mutable_device();
  d->set_xruns(3);
  d->set_callback_p50_us(40);
  d->set_callback_p99_us(90);
  d->set_callback_max_us(400);
  d->set_period_us(5333);
  d->set_ring_fill_frames(768);
  out.push_back(t);
  t.Clear();
  auto* m = t.mutable_mixer();
  auto* deck = m->add_decks();
  deck->set_deck(v1::DECK_B);
  deck->set_playing(true);
  deck->set_rms_dbfs(-14.5);
  deck->set_fifo_underrun_frames(12);
  m->set_master_short_term_lufs(-15.2);
  out.push_back(t);
  t.Clear();
  t.mutable_tempo()->set_current_bpm(124);
  out.push_back(t);
  t.Clear();
  auto* e = t.mutable_encoder();
  e->set_gaps(2);
  auto* o = e->add_outputs();
  o->set_name("mobile");
  o->set_sink_state(crowdmesh::v1::SINK_STATE_CONNECTED);
  o->set_bytes_out(12345);
  out.push_back(t);
  t.Clear();
  auto* l = t.mutable_links()->add_links();
  l->set_node("room-b");
  l->set_alive(true);
  l->set_rtt_ms(0.8);
  out.push_back(t);
  t.Clear();
  t.mutable_process()->set_rss_bytes(30 << 20);
  out.push_back(t);
  t.Clear();
  auto* c = t.mutable_clock();
  c->set_drift_ppm(-12.5);
  c->set_estimated_error_ns(25'000);
  c->set_steps(2);
  c->set_relocks(1);
  c->set_locked(true);
  out.push_back(t);
  return out;
}

TEST(PrometheusExportTest, EveryKindRendersUnderItsNameWithNodeAndKeyLabels) {
  const std::string text = render_node_metrics("room-a", every_kind());
  for (const char* line :
       {"crowdmesh_device_xruns_total{node=\"room-a\"} 3",
        "crowdmesh_device_callback_p99_seconds{node=\"room-a\"} 9e-05",
        "crowdmesh_deck_rms_dbfs{node=\"room-a\",deck=\"B\"} -14.5",
        "crowdmesh_deck_underrun_frames_total{node=\"room-a\",deck=\"B\"} 12",
        "crowdmesh_master_short_term_lufs{node=\"room-a\"} -15.2",
        "crowdmesh_tempo_bpm{node=\"room-a\",kind=\"current\"} 124", "crowdmesh_encoder_gaps_total{node=\"room-a\"} 2",
        "crowdmesh_encoder_bytes_total{node=\"room-a\",encoder=\"mobile\"} 12345",
        "crowdmesh_encoder_sink_up{node=\"room-a\",encoder=\"mobile\"} 1",
        "crowdmesh_link_up{node=\"room-a\",peer=\"room-b\"} 1",
        "crowdmesh_process_resident_memory_bytes{node=\"room-a\"} 31457280",
        "crowdmesh_clock_skew_ppm{node=\"room-a\"} -12.5", "crowdmesh_clock_error_seconds{node=\"room-a\"} 2.5e-05",
        "crowdmesh_clock_steps_total{node=\"room-a\"} 2", "crowdmesh_clock_relocks_total{node=\"room-a\"} 1",
        "crowdmesh_clock_locked{node=\"room-a\"} 1"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

TEST(PrometheusExportTest, PromtoolAcceptsTheOutputWithoutLintWarnings) {
  const std::string dir = test::make_temp_dir("crowdmesh-promexport");
  std::ofstream(dir + "/m.txt") << render_node_metrics("room-a", every_kind());
  EXPECT_EQ(test::run_quiet(
                {"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + dir + "/m.txt > " + dir + "/out.txt 2>&1"}),
            0);
  std::ifstream in(dir + "/out.txt");
  std::string lint((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(lint, "");
}

TEST(PrometheusExportTest, ClockErrorIsNaNBeforeTheFirstProbe) {
  v1::Telemetry t;
  t.mutable_clock()->set_estimated_error_ns(-1);
  const std::string text = render_node_metrics("room-b", {t});
  EXPECT_NE(text.find("crowdmesh_clock_error_seconds{node=\"room-b\"} NaN"), std::string::npos) << text;
  EXPECT_NE(text.find("crowdmesh_clock_locked{node=\"room-b\"} 0"), std::string::npos) << text;
}

TEST(PrometheusExportTest, NoSamplesGiveNoMetrics) { EXPECT_EQ(render_node_metrics("room-a", {}), ""); }

}  // namespace
}  // namespace crowdmesh::telemetry
