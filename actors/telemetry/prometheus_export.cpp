#include "telemetry/prometheus_export.hpp"

#include <cmath>

#include "telemetry/prometheus_text.hpp"

namespace crowdmesh::telemetry {

namespace {

const char* deck_name(int wire) {
  static const char* names[] = {"?", "A", "B", "C", "D"};
  return wire >= 1 && wire <= 4 ? names[wire] : names[0];
}

void device(MetricsBuilder& b, const MetricLabels& n, const crowdmesh::v1::DeviceStats& d) {
  b.counter("crowdmesh_device_xruns_total", "Device xruns: callbacks with a ring shortfall or a driver-reported xrun.")
      .add(n, static_cast<double>(d.xruns()));
  b.counter("crowdmesh_device_underrun_frames_total", "Frames of silence written because the output ring was short.")
      .add(n, static_cast<double>(d.underrun_frames()));
  if (d.playout()) {
    b.gauge("crowdmesh_playout_sync_error_seconds", "DAC time minus PTS of the frames playing now (filtered).")
        .add(n, d.sync_error_us() / 1e6);
    b.gauge("crowdmesh_playout_rate_correction_ppm",
            "Playout resampling correction (about minus the card's error), ppm.")
        .add(n, d.rate_correction_ppm());
    b.counter("crowdmesh_playout_realigns_total", "Playout frame drops/inserts after the first alignment.")
        .add(n, static_cast<double>(d.realigns()));
  }
  b.counter("crowdmesh_device_frames_played_total", "Frames handed to the device.")
      .add(n, static_cast<double>(d.frames_played()));
  b.counter("crowdmesh_device_callbacks_total", "Audio callbacks run.").add(n, static_cast<double>(d.callbacks()));
  b.gauge("crowdmesh_device_callback_p50_seconds", "Audio callback duration, median over the device's window.")
      .add(n, d.callback_p50_us() / 1e6);
  b.gauge("crowdmesh_device_callback_p99_seconds", "Audio callback duration, 99th percentile.")
      .add(n, d.callback_p99_us() / 1e6);
  b.gauge("crowdmesh_device_callback_max_seconds", "Longest audio callback.").add(n, d.callback_max_us() / 1e6);
  b.gauge("crowdmesh_device_period_seconds", "Budget of one callback: period frames / sample rate.")
      .add(n, d.period_us() / 1e6);
  b.gauge("crowdmesh_device_ring_fill_frames", "Frames queued in the output ring.").add(n, d.ring_fill_frames());
  b.gauge("crowdmesh_device_ring_capacity_frames", "Capacity of the output ring, frames.")
      .add(n, d.ring_capacity_frames());
}

void mixer(MetricsBuilder& b, const MetricLabels& n, const crowdmesh::v1::MixerStats& m) {
  auto deck_gauge = [&](const char* name, const char* help, auto value) {
    b.gauge(name, help);
    for (const auto& d : m.decks()) {
      auto l = n;
      l.emplace_back("deck", deck_name(d.deck()));
      b.add(l, value(d));
    }
  };
  using D = crowdmesh::v1::MixerStats::DeckStats;
  deck_gauge("crowdmesh_deck_playing", "1 when a buffer of the deck plays.",
             [](const D& d) { return d.playing() ? 1.0 : 0.0; });
  deck_gauge("crowdmesh_deck_position_seconds", "Play-head position in the file.",
             [](const D& d) { return d.position_seconds(); });
  deck_gauge("crowdmesh_deck_rms_dbfs", "Post-fader RMS level over the last interval.",
             [](const D& d) { return d.rms_dbfs(); });
  deck_gauge("crowdmesh_deck_peak_dbfs", "Post-fader peak level over the last interval.",
             [](const D& d) { return d.peak_dbfs(); });
  deck_gauge("crowdmesh_deck_gain_db", "Deck gain.", [](const D& d) { return d.gain_db(); });
  deck_gauge("crowdmesh_deck_reserve_seconds", "Decoded audio ready ahead of the play head.",
             [](const D& d) { return d.reserve_seconds(); });
  deck_gauge("crowdmesh_deck_silent", "1 when playing below -60 dBFS for 2 s or more.",
             [](const D& d) { return d.silent() ? 1.0 : 0.0; });
  b.counter("crowdmesh_deck_underrun_frames_total", "Frames of silence mixed because the deck FIFO was short.");
  for (const auto& d : m.decks()) {
    auto l = n;
    l.emplace_back("deck", deck_name(d.deck()));
    b.add(l, static_cast<double>(d.fifo_underrun_frames()));
  }
  b.gauge("crowdmesh_master_rms_dbfs", "Master RMS level over the last interval.").add(n, m.master_rms_dbfs());
  b.gauge("crowdmesh_master_peak_dbfs", "Master peak level over the last interval.").add(n, m.master_peak_dbfs());
  b.gauge("crowdmesh_master_momentary_lufs", "EBU R128 momentary loudness of the master bus (-120: no signal).")
      .add(n, m.master_momentary_lufs());
  b.gauge("crowdmesh_master_short_term_lufs", "EBU R128 short-term loudness of the master bus (-120: no signal).")
      .add(n, m.master_short_term_lufs());
  b.gauge("crowdmesh_master_silent", "1 when the master stayed below -60 dBFS for 2 s or more.")
      .add(n, m.master_silent() ? 1.0 : 0.0);
  b.gauge("crowdmesh_master_limiter_reduction_db", "Gain reduction of the master limiter.")
      .add(n, m.limiter_gain_reduction_db());
  b.counter("crowdmesh_nonfinite_samples_total", "NaN/inf samples played as silence (decks' files, master bus).")
      .add(n, static_cast<double>(m.nonfinite_samples()));
  b.counter("crowdmesh_loads_refused_total", "Loads refused: the path was outside the media roots.")
      .add(n, static_cast<double>(m.loads_refused()));
  b.counter("crowdmesh_load_timeouts_total", "Loads given up because opening the file took too long.")
      .add(n, static_cast<double>(m.load_timeouts()));
}

void encoder(MetricsBuilder& b, const MetricLabels& n, const crowdmesh::v1::EncoderTelemetry& e) {
  b.counter("crowdmesh_encoder_gaps_total", "Sequence gaps in the encoded stream (loss or own drops).")
      .add(n, static_cast<double>(e.gaps()));
  b.counter("crowdmesh_encoder_lost_chunks_total", "Chunks missing in those gaps (concealed).")
      .add(n, static_cast<double>(e.lost_chunks()));
  b.counter("crowdmesh_encoder_dropped_chunks_total", "Chunks dropped on arrival because the encoder was behind.")
      .add(n, static_cast<double>(e.dropped_chunks()));
  b.counter("crowdmesh_encoder_nonfinite_samples_total", "NaN/inf samples received and encoded as silence.")
      .add(n, static_cast<double>(e.nonfinite_samples()));
  b.gauge("crowdmesh_encoder_backlog_frames", "Frames received but not yet encoded.")
      .add(n, static_cast<double>(e.backlog_frames()));
  auto per_output = [&](const char* name, const char* help, bool counter, auto value) {
    if (counter)
      b.counter(name, help);
    else
      b.gauge(name, help);
    for (const auto& o : e.outputs()) {
      auto l = n;
      l.emplace_back("encoder", o.name());
      b.add(l, value(o));
    }
  };
  using O = crowdmesh::v1::EncoderTelemetry::Output;
  per_output("crowdmesh_encoder_frames_total", "Frames encoded by the output.", true,
             [](const O& o) { return static_cast<double>(o.frames_in()); });
  per_output("crowdmesh_encoder_bytes_total", "Encoded bytes produced by the output.", true,
             [](const O& o) { return static_cast<double>(o.bytes_out()); });
  per_output("crowdmesh_encoder_realtime_factor", "Audio seconds encoded per CPU second.", false,
             [](const O& o) { return o.realtime_factor(); });
  per_output("crowdmesh_encoder_reconnects_total", "Icecast reconnections after the first connection.", true,
             [](const O& o) { return static_cast<double>(o.reconnects()); });
  per_output("crowdmesh_encoder_sink_up", "1 when the sink is open (file) or connected (Icecast).", false,
             [](const O& o) { return o.sink_state() == crowdmesh::v1::SINK_STATE_OPEN || o.sink_state() == crowdmesh::v1::SINK_STATE_CONNECTED ? 1.0
                                                                                                            : 0.0; });
}

// Remote playout: one series per received stream, labelled stream="room-a/master".
void stream_links(MetricsBuilder& b, const MetricLabels& n, const crowdmesh::v1::LinkStats& s) {
  using L = crowdmesh::v1::StreamLink;
  auto per_stream = [&](const char* name, const char* help, double (*value)(const L&)) {
    const std::string family = name;
    if (family.size() > 6 && family.compare(family.size() - 6, 6, "_total") == 0)
      b.counter(family, help);
    else
      b.gauge(family, help);
    for (const auto& l : s.streams()) {
      auto x = n;
      x.emplace_back("stream", l.stream_id());
      b.add(x, value(l));
    }
  };
  per_stream("crowdmesh_stream_receiving", "1 when a packet of the stream arrived within the last second.",
             [](const L& l) { return l.receiving() ? 1.0 : 0.0; });
  per_stream("crowdmesh_stream_packets_expected_total", "RTP packets the source sent (RFC 3550 A.3).",
             [](const L& l) { return static_cast<double>(l.packets_expected()); });
  per_stream("crowdmesh_stream_packets_lost_total", "RTP packets lost on the network (expected - received).",
             [](const L& l) { return static_cast<double>(l.packets_lost()); });
  per_stream("crowdmesh_stream_loss_ratio_10s", "Packet loss over the last 10 s, 0..1.",
             [](const L& l) { return l.loss_percent_10s() / 100.0; });
  per_stream("crowdmesh_stream_recovered_packets_total", "Lost packets rebuilt by the FEC.",
             [](const L& l) { return static_cast<double>(l.recovered_packets()); });
  per_stream("crowdmesh_stream_concealed_frames_total", "Frames still missing at their PTS, concealed.",
             [](const L& l) { return static_cast<double>(l.concealed_frames()); });
  per_stream("crowdmesh_stream_late_packets_total", "Packets that arrived after their PTS was played.",
             [](const L& l) { return static_cast<double>(l.late_packets()); });
  per_stream("crowdmesh_stream_jitter_seconds", "Inter-arrival jitter (RFC 3550 A.8).",
             [](const L& l) { return l.jitter_ms() / 1e3; });
  per_stream("crowdmesh_stream_buffer_frames", "Jitter buffer fill, frames.",
             [](const L& l) { return static_cast<double>(l.buffer_frames()); });
}

void links(MetricsBuilder& b, const MetricLabels& n, const crowdmesh::v1::LinkStats& s) {
  b.gauge("crowdmesh_link_up", "1 when the peer was heard within the heartbeat liveness.");
  for (const auto& l : s.links()) {
    auto x = n;
    x.emplace_back("peer", l.node());
    b.add(x, l.alive() ? 1.0 : 0.0);
  }
  b.gauge("crowdmesh_link_rtt_seconds", "Round trip of the last clock probe to the peer.");
  for (const auto& l : s.links()) {
    auto x = n;
    x.emplace_back("peer", l.node());
    b.add(x, l.rtt_ms() / 1e3);
  }
  b.gauge("crowdmesh_clock_offset_seconds", "This node's mesh clock offset estimate (mesh - local).")
      .add(n, static_cast<double>(s.clock_offset_ns()) / 1e9);
  b.counter("crowdmesh_connections_refused_total",
            "Connections to the control socket whose handshake failed (no key, unknown key, plain against CURVE).")
      .add(n, static_cast<double>(s.connections_refused()));
  b.counter("crowdmesh_unknown_keys_total", "CURVE handshakes refused for a key that is no node's or operator's.")
      .add(n, static_cast<double>(s.unknown_keys()));
  b.counter("crowdmesh_held_refused_total",
            "Commands refused because 256 were already held for a later execute_at_ns.")
      .add(n, static_cast<double>(s.held_refused()));
  b.counter("crowdmesh_osc_refused_busy_total", "OSC commands refused busy (256 already in flight).")
      .add(n, static_cast<double>(s.osc_refused_busy()));
  b.counter("crowdmesh_osc_replies_limited_total", "OSC replies not sent: over the bridge's 200/s budget.")
      .add(n, static_cast<double>(s.osc_replies_limited()));
  stream_links(b, n, s);
}

void clock(MetricsBuilder& b, const MetricLabels& n, const crowdmesh::v1::ClockStats& c) {
  b.gauge("crowdmesh_clock_skew_ppm", "Fitted skew of the reference clock against this node's local clock.")
      .add(n, c.drift_ppm());
  b.gauge("crowdmesh_clock_error_seconds", "Estimated error of this node's mesh time (NaN before the first probe).")
      .add(n, c.estimated_error_ns() < 0 ? std::nan("") : static_cast<double>(c.estimated_error_ns()) / 1e9);
  b.counter("crowdmesh_clock_steps_total", "Steps of the mesh time function past the step threshold.")
      .add(n, static_cast<double>(c.steps()));
  b.counter("crowdmesh_clock_relocks_total", "Re-locks after a jump of the reference clock.")
      .add(n, static_cast<double>(c.relocks()));
  b.gauge("crowdmesh_clock_locked", "1 when the mesh clock is locked to the reference.").add(n, c.locked() ? 1.0 : 0.0);
}

void process(MetricsBuilder& b, const MetricLabels& n, const crowdmesh::v1::ProcessStats& p) {
  b.gauge("crowdmesh_process_cpu_ratio", "CPU used by the node over the last interval (1 = one core).")
      .add(n, p.cpu_percent() / 100.0);
  b.gauge("crowdmesh_process_resident_memory_bytes", "Resident memory of the node process.")
      .add(n, static_cast<double>(p.rss_bytes()));
  b.gauge("crowdmesh_process_threads", "Threads of the node process.").add(n, p.threads());
}

}  // namespace

std::string render_node_metrics(const std::string& node, const std::vector<crowdmesh::v1::Telemetry>& samples) {
  MetricsBuilder b;
  const MetricLabels n{{"node", node}};
  for (const auto& t : samples) {
    switch (t.stats_case()) {
      case crowdmesh::v1::Telemetry::kDevice: device(b, n, t.device()); break;
      case crowdmesh::v1::Telemetry::kMixer: mixer(b, n, t.mixer()); break;
      case crowdmesh::v1::Telemetry::kTempo:
        b.gauge("crowdmesh_tempo_bpm", "Mesh tempo.");
        b.add({{"node", node}, {"kind", "current"}}, t.tempo().current_bpm());
        b.add({{"node", node}, {"kind", "target"}}, t.tempo().target_bpm());
        b.gauge("crowdmesh_tempo_movement", "Last total movement reported by the detector (0..1).")
            .add(n, t.tempo().movement());
        break;
      case crowdmesh::v1::Telemetry::kEncoder: encoder(b, n, t.encoder()); break;
      case crowdmesh::v1::Telemetry::kLinks: links(b, n, t.links()); break;
      case crowdmesh::v1::Telemetry::kClock: clock(b, n, t.clock()); break;
      case crowdmesh::v1::Telemetry::kProcess: process(b, n, t.process()); break;
      default: break;
    }
  }
  return b.render();
}

}  // namespace crowdmesh::telemetry
