#include "telemetry/stats_proto.hpp"

#include <algorithm>

namespace crowdmesh::telemetry {

namespace v1 = crowdmesh::v1;

namespace {

v1::SinkState wire_sink_state(encoder::SinkState s) {
  switch (s) {
    case encoder::SinkState::idle: return v1::SINK_STATE_IDLE;
    case encoder::SinkState::open: return v1::SINK_STATE_OPEN;
    case encoder::SinkState::connecting: return v1::SINK_STATE_CONNECTING;
    case encoder::SinkState::connected: return v1::SINK_STATE_CONNECTED;
    case encoder::SinkState::backoff: return v1::SINK_STATE_BACKOFF;
    case encoder::SinkState::auth_failed: return v1::SINK_STATE_AUTH_FAILED;
    case encoder::SinkState::failed: return v1::SINK_STATE_FAILED;
    case encoder::SinkState::closed: return v1::SINK_STATE_CLOSED;
  }
  return v1::SINK_STATE_UNSPECIFIED;
}

}  // namespace

v1::DeviceStats to_proto(const device::DeviceStats& s, const std::string& backend) {
  v1::DeviceStats d;
  d.set_frames_played(s.frames_played);
  d.set_xruns(s.xruns);
  d.set_underrun_frames(s.underrun_frames);
  d.set_callbacks(s.callbacks);
  d.set_callback_p50_us(s.callback_p50_us);
  d.set_callback_p99_us(s.callback_p99_us);
  d.set_callback_max_us(s.callback_max_us);
  d.set_period_us(static_cast<std::uint32_t>(s.period_us + 0.5));
  d.set_ring_fill_frames(static_cast<std::uint32_t>(s.ring_fill));
  d.set_ring_capacity_frames(static_cast<std::uint32_t>(s.ring_capacity));
  d.set_sample_rate_hz(static_cast<std::uint32_t>(s.sample_rate_hz));
  d.set_period_frames(static_cast<std::uint32_t>(s.period_frames));
  d.set_backend(backend);
  d.set_playout(s.playout);
  d.set_sync_error_us(s.sync_error_us);
  d.set_rate_correction_ppm(s.rate_correction_ppm);
  d.set_sync_locked(s.sync_locked);
  d.set_realigns(s.realigns);
  d.set_device_xruns(s.device_xruns);
  return d;
}

v1::MixerStats to_proto(const mixer::MixerStatus& s, const std::optional<LevelReport>& master) {
  v1::MixerStats m;
  for (const auto& d : s.decks) {
    if (d.buffers.empty()) continue;
    auto* x = m.add_decks();
    x->set_deck(static_cast<v1::Deck>(index_of(d.deck) + 1));
    const mixer::BufferStatus* lead = &d.buffers.front();
    bool playing = false;
    std::uint64_t underruns = 0;
    for (const auto& b : d.buffers) {
      underruns += b.underrun_frames;
      if (b.state == mixer::BufferState::playing) {
        if (!playing || b.position_seconds > lead->position_seconds) lead = &b;
        playing = true;
      }
    }
    x->set_playing(playing);
    x->set_position_seconds(lead->position_seconds);
    x->set_file(lead->info.path);
    x->set_rms_dbfs(std::max(d.rms_dbfs, -120.0));
    x->set_peak_dbfs(std::max(d.peak_dbfs, -120.0));
    x->set_fifo_underrun_frames(underruns);
    x->set_gain_db(d.muted ? -120.0 : d.gain_db);
    x->set_stretch_method(d.stretch_method == "soundtouch"      ? crowdmesh::v1::STRETCH_METHOD_SOUNDTOUCH
                          : d.stretch_method == "playback_rate" ? crowdmesh::v1::STRETCH_METHOD_PLAYBACK_RATE
                                                                : crowdmesh::v1::STRETCH_METHOD_UNSPECIFIED);
    x->set_reserve_seconds(d.reserve_seconds);
    x->set_buffers(static_cast<std::uint32_t>(d.buffers.size()));
    x->set_clipping(d.peak_dbfs >= 0.0);
  }
  m.set_master_rms_dbfs(std::max(s.master_rms_dbfs, -120.0));
  m.set_master_peak_dbfs(std::max(s.master_peak_dbfs, -120.0));
  m.set_limiter_gain_reduction_db(s.limiter_reduction_db);
  m.set_master_gain_db(s.master_gain_db);
  std::uint64_t nonfinite = s.master_nonfinite_samples;
  for (const auto& d : s.decks) {
    for (const auto& b : d.buffers) nonfinite += b.nonfinite_samples;
    nonfinite += d.dsp_nonfinite_samples;
  }
  m.set_nonfinite_samples(nonfinite);
  m.set_loads_refused(s.loads_refused);
  m.set_load_timeouts(s.load_timeouts);
  m.set_master_momentary_lufs(-120);
  m.set_master_short_term_lufs(-120);
  if (master) {
    m.set_master_momentary_lufs(master->momentary_lufs);
    m.set_master_short_term_lufs(master->short_term_lufs);
    m.set_master_clipped_samples(master->clipped_samples);
    m.set_master_silent(master->silent);
  }
  return m;
}

v1::TempoStats to_proto(const tempo::TempoReport& r, const std::string& tempo_node) {
  v1::TempoStats t;
  t.set_movement(r.movement);
  t.set_target_bpm(r.target_bpm);
  t.set_current_bpm(r.current_bpm);
  t.set_ramping(r.ramp_progress < 1.0);
  t.set_tempo_node(tempo_node);
  return t;
}

v1::EncoderTelemetry to_proto(const encoder::EncoderStats& s) {
  v1::EncoderTelemetry e;
  e.set_stream_id(s.stream_id);
  e.set_source(s.source);
  e.set_frames_in(s.frames_in);
  e.set_gaps(s.gaps);
  e.set_lost_chunks(s.lost_chunks);
  e.set_concealed_frames(s.concealed_frames);
  e.set_dropped_chunks(s.dropped_chunks);
  e.set_backlog_frames(s.backlog_frames);
  e.set_format_changes(s.format_changes);
  e.set_restarts(s.restarts);
  e.set_nonfinite_samples(s.nonfinite_samples);
  e.set_sample_rate_hz(s.format.sample_rate_hz);
  for (const auto& o : s.outputs) {
    auto* x = e.add_outputs();
    x->set_name(o.name);
    x->set_codec(o.codec);
    x->set_bitrate_kbps(static_cast<std::uint32_t>(o.bitrate_kbps));
    x->set_sink_state(wire_sink_state(o.sink.state));
    x->set_target(o.sink.target);
    x->set_last_error(o.last_error.empty() ? o.sink.last_error : o.last_error);
    x->set_frames_in(o.frames_in);
    x->set_bytes_out(o.bytes_out);
    x->set_realtime_factor(o.realtime_factor);
    x->set_streams(o.streams);
    x->set_reconnects(o.sink.reconnects);
    x->set_bytes_dropped(o.sink.bytes_dropped);
    x->set_errors(o.errors);
  }
  return e;
}

v1::ProcessStats to_proto(const ProcessSample& s) {
  v1::ProcessStats p;
  p.set_cpu_percent(s.cpu_percent);
  p.set_rss_bytes(s.rss_bytes);
  p.set_threads(s.threads);
  p.set_uptime_seconds(s.uptime_seconds);
  return p;
}

}  // namespace crowdmesh::telemetry
