#include "control_node/top_view.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace crowdmesh::control {
namespace {

v1::Telemetry* add_sample(v1::NodeTelemetry* node, const std::string& actor, std::uint64_t sequence) {
  auto* t = node->add_samples();
  t->set_node(node->node());
  t->set_actor(actor);
  t->set_time_ns(3'723'400'000'000);  // 1:02:03.4 of mesh time
  t->set_sequence(sequence);
  return t;
}

/// room-a: alive, every kind of sample; room-b: stale, no sample.
v1::TelemetrySnapshot two_node_snapshot() {
  v1::TelemetrySnapshot snap;
  snap.set_interval_ms(100);

  auto* a = snap.add_nodes();
  a->set_node("room-a");
  a->set_alive(true);
  a->set_stale(false);
  a->set_age_ms(40);
  a->add_roles("device");
  a->add_roles("mixer");
  a->add_roles("encoder");

  auto* d = add_sample(a, "device", 11)->mutable_device();
  d->set_frames_played(480000);
  d->set_xruns(2);
  d->set_underrun_frames(256);
  d->set_callbacks(1875);
  d->set_callback_p50_us(160);
  d->set_callback_p99_us(400);
  d->set_callback_max_us(640);
  d->set_period_us(5333);
  d->set_ring_fill_frames(768);
  d->set_ring_capacity_frames(4096);
  d->set_sample_rate_hz(48000);
  d->set_period_frames(256);
  d->set_backend("portaudio");
  d->set_device("hw:0,0");
  d->set_channels(2);

  auto* m = add_sample(a, "mixer", 12)->mutable_mixer();
  auto* deck = m->add_decks();
  deck->set_deck(v1::DECK_B);
  deck->set_playing(true);
  deck->set_position_seconds(83.4);
  deck->set_rms_dbfs(-14.2);
  deck->set_peak_dbfs(-6.1);
  deck->set_fifo_underrun_frames(64);
  deck->set_file("/srv/music/frontiers.mp3");
  deck->set_gain_db(-3.0);
  deck->set_stretch_method(crowdmesh::v1::STRETCH_METHOD_SOUNDTOUCH);
  deck->set_reserve_seconds(1.2);
  deck->set_clipping(true);
  deck->set_silent(false);
  deck->set_buffers(2);
  m->set_master_rms_dbfs(-12.5);
  m->set_master_peak_dbfs(-1.5);
  m->set_limiter_gain_reduction_db(0.75);
  m->set_blocks(900);
  m->set_next_pts_ns(123456789);
  m->set_master_momentary_lufs(-13.25);
  m->set_master_short_term_lufs(-14.5);
  m->set_master_clipped_samples(3);
  m->set_master_silent(false);
  m->set_master_gain_db(-1.0);

  auto* t = add_sample(a, "tempo", 13)->mutable_tempo();
  t->set_movement(0.5);
  t->set_target_bpm(128.0);
  t->set_current_bpm(124.5);
  t->set_ramping(true);
  t->set_tempo_node("room-a");

  auto* e = add_sample(a, "encoder", 14)->mutable_encoder();
  e->set_stream_id("mix");
  e->set_source("room-a");
  e->set_frames_in(96000);
  e->set_gaps(1);
  e->set_lost_chunks(2);
  e->set_concealed_frames(480);
  e->set_dropped_chunks(3);
  e->set_backlog_frames(1024);
  e->set_format_changes(4);
  e->set_restarts(5);
  e->set_sample_rate_hz(48000);
  auto* o = e->add_outputs();
  o->set_name("mobile");
  o->set_codec("opus");
  o->set_bitrate_kbps(96);
  o->set_sink_state(crowdmesh::v1::SINK_STATE_BACKOFF);
  o->set_target("/rec/mix.opus");
  o->set_last_error("connection refused by 127.0.0.1:8000");
  o->set_frames_in(95000);
  o->set_bytes_out(123456);
  o->set_realtime_factor(45.0);
  o->set_streams(6);
  o->set_reconnects(7);
  o->set_bytes_dropped(8);
  o->set_errors(9);

  auto* l = add_sample(a, "links", 15)->mutable_links();
  auto* link = l->add_links();
  link->set_node("room-b");
  link->set_alive(true);
  link->set_rtt_ms(1.25);
  link->set_clock_offset_ns(-2'500'000);
  link->set_last_heard_age_ms(120);
  l->set_clock_offset_ns(1'500'000);
  l->set_forwarded(10);
  l->set_timeouts(1);
  l->set_publish_dropped(2);

  auto* p = add_sample(a, "process", 16)->mutable_process();
  p->set_cpu_percent(12.3);
  p->set_rss_bytes(43'200'000);
  p->set_threads(17);
  p->set_uptime_seconds(3600.5);

  auto* c = add_sample(a, "clock", 17)->mutable_clock();
  c->set_offset_ns(-1'234'567);
  c->set_drift_ppm(12.345);
  c->set_round_trip_ns(250'000);
  c->set_reference_node("room-r");
  c->set_estimated_error_ns(18'000);
  c->set_steps(2);
  c->set_relocks(1);
  c->set_locked(true);
  c->set_probes_used(29);
  c->set_probes_rejected(4);
  c->set_min_round_trip_ns(180'000);

  auto* b = snap.add_nodes();
  b->set_node("room-b");
  b->set_alive(true);
  b->set_stale(true);
  b->set_age_ms(-1);
  b->add_roles("device");
  return snap;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

/// Columns of a rendered line: code points outside ANSI escapes.
int visible_columns(const std::string& line) {
  int n = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\x1b') {
      while (i < line.size() && line[i] != 'm') ++i;
      continue;
    }
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string line_with(const std::string& text, const std::string& needle) {
  for (const auto& line : lines_of(text))
    if (line.find(needle) != std::string::npos) return line;
  return {};
}

TEST(TopViewTest, JsonCarriesEveryDeviceFieldWithCallbackPercentOfPeriod) {
  const auto j = top_json(two_node_snapshot());
  EXPECT_EQ(j["interval_ms"], 100);
  ASSERT_EQ(j["nodes"].size(), 2U);
  const auto& d = j["nodes"][0]["device"];
  EXPECT_EQ(d["frames_played"], 480000);
  EXPECT_EQ(d["xruns"], 2);
  EXPECT_EQ(d["underrun_frames"], 256);
  EXPECT_EQ(d["callbacks"], 1875);
  EXPECT_EQ(d["callback_p50_us"], 160);
  EXPECT_EQ(d["callback_p99_us"], 400);
  EXPECT_EQ(d["callback_max_us"], 640);
  EXPECT_NEAR(d["callback_p50_pct"].get<double>(), 160.0 / 5333.0 * 100.0, 1e-9);
  EXPECT_NEAR(d["callback_p99_pct"].get<double>(), 400.0 / 5333.0 * 100.0, 1e-9);
  EXPECT_NEAR(d["callback_max_pct"].get<double>(), 640.0 / 5333.0 * 100.0, 1e-9);
  EXPECT_EQ(d["period_us"], 5333);
  EXPECT_EQ(d["ring_fill_frames"], 768);
  EXPECT_EQ(d["ring_capacity_frames"], 4096);
  EXPECT_EQ(d["sample_rate_hz"], 48000);
  EXPECT_EQ(d["period_frames"], 256);
  EXPECT_EQ(d["backend"], "portaudio");
  EXPECT_EQ(d["device"], "hw:0,0");
  EXPECT_EQ(d["channels"], 2);
}

TEST(TopViewTest, JsonCarriesTheTelemetryStoreCountersAndTheLinkSecurity) {
  auto snap = two_node_snapshot();
  snap.set_store_entries(1024);
  snap.set_store_evicted(8976);
  snap.set_store_oversize(2);
  const auto j = top_json(snap);
  EXPECT_EQ(j["telemetry_store"]["entries"], 1024);
  EXPECT_EQ(j["telemetry_store"]["evicted"], 8976);
  EXPECT_EQ(j["telemetry_store"]["oversize"], 2);
}

TEST(TopViewTest, JsonCarriesTheControlRefusals) {
  auto snap = two_node_snapshot();
  for (auto& node : *snap.mutable_nodes())
    for (auto& sample : *node.mutable_samples())
      if (sample.has_links()) {
        auto* l = sample.mutable_links();
        l->set_connections_refused(7);
        l->set_unknown_keys(3);
        l->set_held_refused(744);
        l->set_osc_refused_busy(12);
        l->set_osc_replies_limited(5);
        l->set_security("curve");
      }
  const auto n = top_json(snap)["nodes"][0];
  EXPECT_EQ(n["security"], "curve");
  EXPECT_EQ(n["link_counters"]["connections_refused"], 7);
  EXPECT_EQ(n["link_counters"]["unknown_keys"], 3);
  EXPECT_EQ(n["link_counters"]["held_refused"], 744);
  EXPECT_EQ(n["link_counters"]["osc_refused_busy"], 12);
  EXPECT_EQ(n["link_counters"]["osc_replies_limited"], 5);
}

TEST(TopViewTest, JsonCallbackPercentIsNullWhenPeriodIsUnknown) {
  auto snap = two_node_snapshot();
  snap.mutable_nodes(0)->mutable_samples(0)->mutable_device()->set_period_us(0);
  const auto d = top_json(snap)["nodes"][0]["device"];
  EXPECT_TRUE(d["callback_p50_pct"].is_null());
  EXPECT_TRUE(d["callback_max_pct"].is_null());
  EXPECT_EQ(d["callback_max_us"], 640);
}

TEST(TopViewTest, JsonCarriesNodeStateDecksAndMaster) {
  const auto n = top_json(two_node_snapshot())["nodes"][0];
  EXPECT_EQ(n["node"], "room-a");
  EXPECT_EQ(n["alive"], true);
  EXPECT_EQ(n["stale"], false);
  EXPECT_EQ(n["age_ms"], 40);
  EXPECT_EQ(n["roles"], nlohmann::json({"device", "mixer", "encoder"}));
  ASSERT_EQ(n["samples"].size(), 7U);
  EXPECT_EQ(n["samples"][0]["actor"], "device");
  EXPECT_EQ(n["samples"][0]["kind"], "device");
  EXPECT_EQ(n["samples"][0]["sequence"], 11);
  EXPECT_EQ(n["samples"][0]["time_ns"], 3'723'400'000'000);

  ASSERT_EQ(n["decks"].size(), 1U);
  const auto& k = n["decks"][0];
  EXPECT_EQ(k["deck"], "B");
  EXPECT_EQ(k["playing"], true);
  EXPECT_EQ(k["file"], "/srv/music/frontiers.mp3");
  EXPECT_DOUBLE_EQ(k["position_seconds"].get<double>(), 83.4);
  EXPECT_DOUBLE_EQ(k["gain_db"].get<double>(), -3.0);
  EXPECT_DOUBLE_EQ(k["rms_dbfs"].get<double>(), -14.2);
  EXPECT_DOUBLE_EQ(k["peak_dbfs"].get<double>(), -6.1);
  EXPECT_EQ(k["stretch_method"], "soundtouch");
  EXPECT_DOUBLE_EQ(k["reserve_seconds"].get<double>(), 1.2);
  EXPECT_EQ(k["clipping"], true);
  EXPECT_EQ(k["silent"], false);
  EXPECT_EQ(k["fifo_underrun_frames"], 64);
  EXPECT_EQ(k["buffers"], 2);

  const auto& m = n["master"];
  EXPECT_DOUBLE_EQ(m["rms_dbfs"].get<double>(), -12.5);
  EXPECT_DOUBLE_EQ(m["peak_dbfs"].get<double>(), -1.5);
  EXPECT_DOUBLE_EQ(m["momentary_lufs"].get<double>(), -13.25);
  EXPECT_DOUBLE_EQ(m["short_term_lufs"].get<double>(), -14.5);
  EXPECT_EQ(m["clipped_samples"], 3);
  EXPECT_EQ(m["silent"], false);
  EXPECT_DOUBLE_EQ(m["limiter_gain_reduction_db"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(m["gain_db"].get<double>(), -1.0);
  EXPECT_EQ(m["blocks"], 900);
  EXPECT_EQ(m["next_pts_ns"], 123456789);
}

TEST(TopViewTest, JsonCarriesTheClockEstimate) {
  const auto c = top_json(two_node_snapshot())["nodes"][0]["clock"];
  EXPECT_DOUBLE_EQ(c["offset_ms"].get<double>(), -1.234567);
  EXPECT_DOUBLE_EQ(c["skew_ppm"].get<double>(), 12.345);
  EXPECT_DOUBLE_EQ(c["estimated_error_ms"].get<double>(), 0.018);
  EXPECT_DOUBLE_EQ(c["round_trip_ms"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(c["min_round_trip_ms"].get<double>(), 0.18);
  EXPECT_EQ(c["locked"], true);
  EXPECT_EQ(c["steps"], 2);
  EXPECT_EQ(c["relocks"], 1);
  EXPECT_EQ(c["probes_used"], 29);
  EXPECT_EQ(c["probes_rejected"], 4);
  EXPECT_EQ(c["reference_node"], "room-r");
}

TEST(TopViewTest, TextShowsClockSkewErrorAndSteps) {
  auto snap = two_node_snapshot();
  std::string line = line_with(render_top(snap, TopStyle{140, false, ""}), "clock   offset");
  EXPECT_NE(line.find("offset -1.235 ms  skew +12.35 ppm  err 0.018 ms  rtt 0.25 ms  steps 2  relocks 1  ref room-r"),
            std::string::npos)
      << line;
  snap.mutable_nodes(0)->mutable_samples(6)->mutable_clock()->set_locked(false);
  line = line_with(render_top(snap, TopStyle{140, false, ""}), "clock   offset");
  EXPECT_NE(line.find("UNLOCKED"), std::string::npos) << line;
  EXPECT_EQ(line.find("err "), std::string::npos) << line;
}

TEST(TopViewTest, JsonCarriesTempoEncoderLinksAndProcess) {
  const auto n = top_json(two_node_snapshot())["nodes"][0];
  const auto& t = n["tempo"];
  EXPECT_DOUBLE_EQ(t["movement"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(t["target_bpm"].get<double>(), 128.0);
  EXPECT_DOUBLE_EQ(t["current_bpm"].get<double>(), 124.5);
  EXPECT_EQ(t["ramping"], true);
  EXPECT_EQ(t["tempo_node"], "room-a");

  const auto& e = n["encoder"];
  EXPECT_EQ(e["stream_id"], "mix");
  EXPECT_EQ(e["source"], "room-a");
  EXPECT_EQ(e["frames_in"], 96000);
  EXPECT_EQ(e["gaps"], 1);
  EXPECT_EQ(e["lost_chunks"], 2);
  EXPECT_EQ(e["concealed_frames"], 480);
  EXPECT_EQ(e["dropped_chunks"], 3);
  EXPECT_EQ(e["backlog_frames"], 1024);
  EXPECT_EQ(e["format_changes"], 4);
  EXPECT_EQ(e["restarts"], 5);
  EXPECT_EQ(e["sample_rate_hz"], 48000);
  ASSERT_EQ(e["outputs"].size(), 1U);
  const auto& o = e["outputs"][0];
  EXPECT_EQ(o["name"], "mobile");
  EXPECT_EQ(o["codec"], "opus");
  EXPECT_EQ(o["bitrate_kbps"], 96);
  EXPECT_EQ(o["sink_state"], "backoff");
  EXPECT_EQ(o["target"], "/rec/mix.opus");
  EXPECT_EQ(o["last_error"], "connection refused by 127.0.0.1:8000");
  EXPECT_DOUBLE_EQ(o["realtime_factor"].get<double>(), 45.0);
  EXPECT_EQ(o["frames_in"], 95000);
  EXPECT_EQ(o["bytes_out"], 123456);
  EXPECT_EQ(o["streams"], 6);
  EXPECT_EQ(o["reconnects"], 7);
  EXPECT_EQ(o["bytes_dropped"], 8);
  EXPECT_EQ(o["errors"], 9);

  ASSERT_EQ(n["links"].size(), 1U);
  const auto& l = n["links"][0];
  EXPECT_EQ(l["node"], "room-b");
  EXPECT_EQ(l["alive"], true);
  EXPECT_DOUBLE_EQ(l["rtt_ms"].get<double>(), 1.25);
  EXPECT_DOUBLE_EQ(l["clock_offset_ms"].get<double>(), -2.5);
  EXPECT_EQ(l["last_heard_age_ms"], 120);
  EXPECT_DOUBLE_EQ(n["clock_offset_ms"].get<double>(), 1.5);
  EXPECT_EQ(n["link_counters"]["forwarded"], 10);
  EXPECT_EQ(n["link_counters"]["timeouts"], 1);
  EXPECT_EQ(n["link_counters"]["publish_dropped"], 2);

  const auto& p = n["process"];
  EXPECT_DOUBLE_EQ(p["cpu_percent"].get<double>(), 12.3);
  EXPECT_EQ(p["rss_bytes"], 43'200'000);
  EXPECT_EQ(p["threads"], 17);
  EXPECT_DOUBLE_EQ(p["uptime_seconds"].get<double>(), 3600.5);
}

TEST(TopViewTest, JsonGivesNullForEveryKindANodeDidNotPublish) {
  const auto n = top_json(two_node_snapshot())["nodes"][1];
  EXPECT_EQ(n["node"], "room-b");
  EXPECT_EQ(n["stale"], true);
  EXPECT_EQ(n["age_ms"], -1);
  EXPECT_EQ(n["roles"], nlohmann::json({"device"}));
  for (const char* kind :
       {"device", "master", "tempo", "clock", "encoder", "process", "clock_offset_ms", "link_counters"}) {
    ASSERT_TRUE(n.contains(kind)) << kind;
    EXPECT_TRUE(n[kind].is_null()) << kind;
  }
  EXPECT_TRUE(n["decks"].is_array());
  EXPECT_TRUE(n["decks"].empty());
  EXPECT_TRUE(n["links"].is_array());
  EXPECT_TRUE(n["links"].empty());
}

TEST(TopViewTest, JsonGivesNullForSilentLevels) {
  auto snap = two_node_snapshot();
  auto* deck = snap.mutable_nodes(0)->mutable_samples(1)->mutable_mixer()->mutable_decks(0);
  deck->set_rms_dbfs(-std::numeric_limits<double>::infinity());
  const auto j = top_json(snap);
  EXPECT_TRUE(j["nodes"][0]["decks"][0]["rms_dbfs"].is_null());
  EXPECT_NE(j.dump().find("\"rms_dbfs\":null"), std::string::npos);
}

TEST(TopViewTest, TextNamesEachNodeWithItsState) {
  auto snap = two_node_snapshot();
  auto* dead = snap.add_nodes();
  dead->set_node("room-c");
  dead->set_alive(false);
  dead->set_stale(true);
  const std::string text = render_top(snap, TopStyle{100, false, "mesh"});
  EXPECT_NE(line_with(text, "== room-a").find("ALIVE"), std::string::npos) << text;
  EXPECT_NE(line_with(text, "== room-b").find("STALE"), std::string::npos) << text;
  EXPECT_NE(line_with(text, "== room-c").find("DEAD"), std::string::npos) << text;
  const std::string header = lines_of(text).at(0);
  EXPECT_NE(header.find("mesh"), std::string::npos);
  EXPECT_NE(header.find("3 nodes"), std::string::npos);
  EXPECT_NE(header.find("100 ms"), std::string::npos);
  EXPECT_NE(header.find("1:02:03.4"), std::string::npos);
}

TEST(TopViewTest, TextShowsDeviceDeckAndLevel) {
  const std::string text = render_top(two_node_snapshot(), TopStyle{140, false, ""});
  const std::string device = line_with(text, "device  portaudio");
  EXPECT_NE(device.find("48000 Hz 256 fr"), std::string::npos) << device;
  EXPECT_NE(device.find("xruns 2"), std::string::npos) << device;
  EXPECT_NE(device.find("cb p50 3% p99 8% max 12%"), std::string::npos) << device;
  EXPECT_NE(device.find("ring 768/4096"), std::string::npos) << device;
  const std::string deck = line_with(text, "frontiers.mp3");
  EXPECT_NE(deck.find("B ▶"), std::string::npos) << deck;
  EXPECT_NE(deck.find("1:23.4"), std::string::npos) << deck;
  EXPECT_NE(deck.find("-14.2 dBFS"), std::string::npos) << deck;
  EXPECT_NE(deck.find("[" + level_bar(-14.2, 20) + "] -14.2 dBFS pk -6.1 CLIP"), std::string::npos) << deck;
  EXPECT_NE(deck.find("soundtouch"), std::string::npos) << deck;
  EXPECT_NE(deck.find("reserve 1.2 s"), std::string::npos) << deck;
  EXPECT_NE(line_with(text, "master").find("LUFS M -13.2 S -14.5"), std::string::npos) << text;
  EXPECT_NE(line_with(text, "tempo").find("124.5 → target 128.0"), std::string::npos) << text;
  EXPECT_NE(line_with(text, "process").find("rss 41.2 MiB  threads 17"), std::string::npos) << text;
  EXPECT_NE(line_with(text, "→ room-b").find("rtt 1.25 ms"), std::string::npos) << text;
}

TEST(TopViewTest, TextShowsEncoderOutputState) {
  const std::string text = render_top(two_node_snapshot(), TopStyle{120, false, ""});
  const std::string out = line_with(text, "mobile opus 96k");
  EXPECT_NE(out.find("→ /rec/mix.opus"), std::string::npos) << out;
  EXPECT_NE(out.find("backoff"), std::string::npos) << out;
  EXPECT_NE(out.find("rtf 45x"), std::string::npos) << out;
}

TEST(TopViewTest, NoLineIsWiderThanTheStyleWidth) {
  auto snap = two_node_snapshot();
  snap.mutable_nodes(0)->mutable_samples(1)->mutable_mixer()->mutable_decks(0)->set_file(
      "/srv/music/an extremely long file name of a twelve minute extended club mix (remastered 2024).flac");
  snap.mutable_nodes(0)->mutable_samples(3)->mutable_encoder()->mutable_outputs(0)->set_target(
      "/srv/recordings/2024-05-01/evening-session/part-0003-of-a-very-long-recording.opus");
  for (int width : {40, 60, 80, 100, 160}) {
    for (bool color : {false, true}) {
      const std::string text = render_top(snap, TopStyle{width, color, "crowdmesh top"});
      for (const auto& line : lines_of(text)) EXPECT_LE(visible_columns(line), width) << width << ": " << line;
    }
  }
  const std::string text = render_top(snap, TopStyle{80, false, ""});
  const std::string deck = line_with(text, "B ▶ an extremely");
  EXPECT_NE(deck.find("…  1:23.4"), std::string::npos) << text;
  EXPECT_NE(line_with(text, "mobile opus").find("…"), std::string::npos) << text;
}

TEST(TopViewTest, ColorOffWritesNoEscapeEvenForHostileNames) {
  auto snap = two_node_snapshot();
  snap.mutable_nodes(0)->mutable_samples(1)->mutable_mixer()->mutable_decks(0)->set_file("/tmp/\x1b[2Jevil.mp3");
  EXPECT_EQ(render_top(snap, TopStyle{100, false, ""}).find('\x1b'), std::string::npos);
}

TEST(TopViewTest, ColorOnMarksXrunsClippingBackoffAndStaleNodes) {
  const std::string text = render_top(two_node_snapshot(), TopStyle{120, true, ""});
  EXPECT_NE(text.find("\x1b[31mxruns 2"), std::string::npos) << text;
  EXPECT_NE(text.find("\x1b[31m["), std::string::npos) << text;  // clipping deck's bar
  EXPECT_NE(text.find("\x1b[33mbackoff"), std::string::npos) << text;
  EXPECT_NE(text.find("\x1b[33mSTALE"), std::string::npos) << text;
  EXPECT_NE(text.find("\x1b[32mALIVE"), std::string::npos) << text;
}

TEST(TopViewTest, NodeWithoutSamplesSaysSo) {
  const std::string text = render_top(two_node_snapshot(), TopStyle{100, false, ""});
  const auto lines = lines_of(text);
  std::size_t b = 0;
  while (b < lines.size() && lines[b].find("== room-b") == std::string::npos) ++b;
  ASSERT_LT(b + 1, lines.size()) << text;
  EXPECT_NE(lines[b].find("never heard"), std::string::npos);
  EXPECT_NE(lines[b + 1].find("no telemetry"), std::string::npos);
}

TEST(TopViewTest, LevelBarIsEmptyForSilenceAndFullAtZeroDbfs) {
  EXPECT_EQ(level_bar(-std::numeric_limits<double>::infinity(), 10), "----------");
  EXPECT_EQ(level_bar(std::nan(""), 10), "----------");
  EXPECT_EQ(level_bar(-60.0, 10), "----------");
  EXPECT_EQ(level_bar(-90.0, 10), "----------");
  EXPECT_EQ(level_bar(0.0, 10), "##########");
  EXPECT_EQ(level_bar(3.5, 10), "##########");
  EXPECT_EQ(level_bar(std::numeric_limits<double>::infinity(), 4), "####");
  EXPECT_EQ(level_bar(-30.0, 10), "#####-----");
  EXPECT_EQ(level_bar(-14.2, 20).size(), 20U);
  EXPECT_EQ(level_bar(-6.0, 0), "");
}

TEST(TopViewTest, FormatDurationShowsMinutesSecondsAndTenths) {
  EXPECT_EQ(format_duration(83.4), "1:23.4");
  EXPECT_EQ(format_duration(0.0), "0:00.0");
  EXPECT_EQ(format_duration(59.96), "1:00.0");
  EXPECT_EQ(format_duration(3723.4), "1:02:03.4");
  EXPECT_EQ(format_duration(-5.0), "-0:05.0");
  EXPECT_EQ(format_duration(std::nan("")), "-:--.-");
}

}  // namespace
}  // namespace crowdmesh::control

namespace crowdmesh::control {
namespace {

// room-a of two_node_snapshot() receiving a stream with 20 % loss, all repaired.
crowdmesh::v1::TelemetrySnapshot snapshot_with_stream() {
  auto snap = two_node_snapshot();
  for (auto& sample : *snap.mutable_nodes(0)->mutable_samples()) {
    if (!sample.has_links()) continue;
    auto* s = sample.mutable_links()->add_streams();
    s->set_stream_id("room-r/master");
    s->set_receiving(true);
    s->set_packets_expected(1000);
    s->set_packets_received(800);
    s->set_packets_lost(200);
    s->set_loss_percent(20.0);
    s->set_loss_percent_10s(19.5);
    s->set_recovered_packets(200);
    s->set_concealed_frames(0);
    s->set_jitter_ms(2.5);
    s->set_buffer_frames(5600);
    s->set_rms_dbfs(-18.0);
    s->set_peak_dbfs(-9.5);
  }
  return snap;
}

TEST(TopViewStreamTest, StreamLinkLineShowsLevelLossRepairsAndConcealment) {
  const std::string text = render_top(snapshot_with_stream(), TopStyle{160, false, ""});
  const std::string line = line_with(text, "⇐ room-r/master");
  EXPECT_NE(line.find("receiving"), std::string::npos) << text;
  EXPECT_NE(line.find("-18.0 dBFS pk -9.5"), std::string::npos) << line;
  EXPECT_NE(line.find("loss 19.5 % (10 s), 20.0 % total"), std::string::npos) << line;
  EXPECT_NE(line.find("fec 200"), std::string::npos) << line;
  EXPECT_NE(line.find("concealed 0"), std::string::npos) << line;
}

TEST(TopViewStreamTest, JsonCarriesEveryStreamLinkField) {
  const auto j = top_json(snapshot_with_stream());
  const auto& s = j["nodes"][0]["streams"][0];
  EXPECT_EQ(s["stream_id"], "room-r/master");
  EXPECT_EQ(s["packets_lost"], 200);
  EXPECT_EQ(s["recovered_packets"], 200);
  EXPECT_DOUBLE_EQ(s["loss_percent_10s"].get<double>(), 19.5);
  EXPECT_DOUBLE_EQ(s["rms_dbfs"].get<double>(), -18.0);
}

TEST(TopViewStreamTest, LocalMixOfARoomThatPlaysAStreamIsLabelledLocalAndNotFlaggedSilent) {
  auto snap = snapshot_with_stream();
  for (auto& sample : *snap.mutable_nodes(0)->mutable_samples())
    if (sample.has_mixer()) sample.mutable_mixer()->set_master_silent(true);
  const std::string text = render_top(snap, TopStyle{160, false, ""});
  const std::string local = line_with(text, "  local ");
  EXPECT_FALSE(local.empty()) << text;
  EXPECT_EQ(local.find("SILENT"), std::string::npos) << local;
  EXPECT_TRUE(line_with(text, "  master ").empty()) << text;
}

}  // namespace
}  // namespace crowdmesh::control
