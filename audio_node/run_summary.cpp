#include "run_summary.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace crowdmesh::node {

nlohmann::json to_json(const encoder::EncoderStats& s) {
  nlohmann::json j{{"stream_id", s.stream_id},
                   {"source", s.source},
                   {"sample_rate_hz", s.format.sample_rate_hz},
                   {"channels", s.format.channels},
                   {"title", s.title},
                   {"chunks", s.chunks},
                   {"frames_in", s.frames_in},
                   {"gaps", s.gaps},
                   {"lost_chunks", s.lost_chunks},
                   {"concealed_frames", s.concealed_frames},
                   {"late_chunks", s.late_chunks},
                   {"dropped_chunks", s.dropped_chunks},
                   {"backlog_frames", s.backlog_frames},
                   {"format_changes", s.format_changes},
                   {"restarts", s.restarts}};
  j["outputs"] = nlohmann::json::array();
  for (const auto& o : s.outputs)
    j["outputs"].push_back({{"name", o.name},
                            {"codec", o.codec},
                            {"bitrate_kbps", o.bitrate_kbps},
                            {"state", encoder::to_string(o.sink.state)},
                            {"target", o.sink.target},
                            {"last_error", o.last_error.empty() ? o.sink.last_error : o.last_error},
                            {"frames_in", o.frames_in},
                            {"bytes_out", o.bytes_out},
                            {"realtime_factor", o.realtime_factor},
                            {"streams", o.streams},
                            {"reconnects", o.sink.reconnects},
                            {"bytes_dropped", o.sink.bytes_dropped},
                            {"errors", o.errors}});
  return j;
}

std::string to_json(const RunSummary& s) {
  const auto& st = s.device.stats;
  nlohmann::json j;
  j["frames_played"] = st.frames_played;
  j["seconds_played"] = st.sample_rate_hz > 0 ? static_cast<double>(st.frames_played) / st.sample_rate_hz : 0.0;
  j["xruns"] = st.xruns;
  j["device_xruns"] = st.device_xruns;
  j["late_wakeups"] = st.late_wakeups;
  j["underrun_frames"] = st.underrun_frames;
  j["period_us"] = st.period_us;
  j["callback_us"] = {{"p50", st.callback_p50_us}, {"p99", st.callback_p99_us}, {"max", st.callback_max_us}};
  j["callbacks"] = st.callbacks;
  j["sample_rate_hz"] = st.sample_rate_hz;
  j["period_frames"] = st.period_frames;
  j["backend"] = s.device.backend;
  j["record_path"] = s.device.record_path;
  j["recorded_frames"] = s.device.recorded_frames;
  j["first_frame_mesh_ns"] = s.device.first_frame_mesh_ns;
  if (st.playout) {
    j["playout"] = {{"scheduling", s.device.playout_scheduling},
                    {"dac_time_source", s.device.dac_time_source},
                    {"sync_error_us", st.sync_error_us},
                    {"rate_correction_ppm", st.rate_correction_ppm},
                    {"locked", st.sync_locked},
                    {"realigns", st.realigns},
                    {"initial_alignments", st.initial_alignments},
                    {"realigns_after_lock", s.device.realigns_after_lock},
                    {"frames_skipped", s.device.playout_frames_skipped},
                    {"wake_timeouts", s.device.playout_wake_timeouts},
                    {"longest_work_us", s.device.playout_longest_work_us},
                    {"longest_work_cpu_us", s.device.playout_longest_work_cpu_us},
                    {"longest_lock_wait_us", s.device.playout_longest_lock_wait_us},
                    {"longest_wake_latency_us", s.device.playout_longest_wake_latency_us},
                    {"stalls_past_ring", s.device.playout_stalls_past_ring},
                    {"wakeups", s.device.playout_wakeups},
                    {"batch_periods", s.device.playout_batch_periods}};
  }
  j["tap_overflow_frames"] = st.tap_overflow_frames;
  j["mixer_underrun_frames"] = s.mixer.underrun_frames;
  j["limited_frames"] = s.mixer.limited_frames;
  j["decks"] = nlohmann::json::array();
  for (const auto& d : s.mixer.decks) {
    if (d.buffers.empty()) continue;
    nlohmann::json dj;
    dj["deck"] = to_string(d.deck);
    dj["gain_db"] = d.gain_db;
    dj["buffers"] = nlohmann::json::array();
    for (const auto& b : d.buffers) {
      dj["buffers"].push_back({{"id", b.id},
                               {"file", b.info.path},
                               {"format", b.info.format},
                               {"file_rate_hz", b.info.file_rate_hz},
                               {"file_channels", b.info.file_channels},
                               {"state", mixer::to_string(b.state)},
                               {"position_seconds", b.position_seconds},
                               {"underrun_frames", b.underrun_frames},
                               {"error", b.error}});
    }
    // Convenience for the common one-buffer deck.
    const auto& first = d.buffers.front();
    dj["file"] = first.info.path;
    dj["rate_hz"] = first.info.file_rate_hz;
    dj["state"] = mixer::to_string(first.state);
    j["decks"].push_back(dj);
  }
  j["max_rss_kib"] = s.max_rss_kib;
  if (s.encoder) j["encoder"] = to_json(*s.encoder);
  j["errors"] = s.errors;
  j["not_ready"] = s.not_ready;
  return j.dump(2);
}

std::string to_line(const RunSummary& s) {
  const auto& st = s.device.stats;
  char buf[384];
  std::string enc;
  if (s.encoder) {
    std::snprintf(buf, sizeof buf, "encoded %.2f s to %zu output(s): %llu gap(s), %llu dropped",
                  s.encoder->format.sample_rate_hz
                      ? static_cast<double>(s.encoder->frames_in) / s.encoder->format.sample_rate_hz
                      : 0.0,
                  s.encoder->outputs.size(), static_cast<unsigned long long>(s.encoder->gaps),
                  static_cast<unsigned long long>(s.encoder->dropped_chunks));
    enc = buf;
    for (const auto& o : s.encoder->outputs)
      enc += "; " + o.name + " " + encoder::to_string(o.sink.state) + " " + o.sink.target;
  }
  if (!s.played) {
    std::string line = enc.empty() ? "nothing encoded" : enc;
    if (!s.errors.empty()) line += "; " + std::to_string(s.errors.size()) + " error(s), see log";
    return line;
  }
  // Two kinds of xrun, said apart: producer underruns (the node did not feed
  // the ring in time: ours to fix) and late device wake-ups (the driver, or the
  // virtual clock, woke too late for the card's buffer: the host's doing); and
  // the late wake-ups the card's buffer absorbed (host lateness, no xrun).
  std::snprintf(buf, sizeof buf,
                "played %.2f s on %s: %llu xruns (%llu frames of producer underrun, %llu late device wake-ups), "
                "%llu late wake-ups absorbed by the buffer, callback p50/p99/max %u/%u/%u us (period %.0f us)",
                st.sample_rate_hz > 0 ? static_cast<double>(st.frames_played) / st.sample_rate_hz : 0.0,
                s.device.backend.c_str(), static_cast<unsigned long long>(st.xruns),
                static_cast<unsigned long long>(st.underrun_frames), static_cast<unsigned long long>(st.device_xruns),
                static_cast<unsigned long long>(st.late_wakeups), st.callback_p50_us, st.callback_p99_us,
                st.callback_max_us, st.period_us);
  std::string line = buf;
  std::string decks;
  for (const auto& d : s.mixer.decks)
    for (const auto& b : d.buffers)
      decks += (decks.empty() ? "" : ", ") + to_string(d.deck) + " " + mixer::to_string(b.state);
  if (!decks.empty()) line += "; decks: " + decks;
  if (!s.device.record_path.empty()) line += "; recorded to " + s.device.record_path;
  if (!enc.empty()) line += "; " + enc;
  if (!s.errors.empty()) line += "; " + std::to_string(s.errors.size()) + " error(s), see log";
  return line;
}

}  // namespace crowdmesh::node
