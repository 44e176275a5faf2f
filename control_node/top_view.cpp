#include "control_node/top_view.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

namespace crowdmesh::control {
namespace {

// A wire enum's value name without its prefix, lower-case, as the node's logs
// spell it: "SINK_STATE_AUTH_FAILED" → "auth_failed"; "" for UNSPECIFIED.
std::string short_name(const std::string& full, const std::string& prefix) {
  std::string out = full.rfind(prefix, 0) == 0 ? full.substr(prefix.size()) : full;
  if (out == "UNSPECIFIED") return {};
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string sink_state_name(int state) {
  return short_name(crowdmesh::v1::SinkState_Name(static_cast<crowdmesh::v1::SinkState>(state)), "SINK_STATE_");
}

std::string stretch_method_name(int method) {
  return short_name(crowdmesh::v1::StretchMethod_Name(static_cast<crowdmesh::v1::StretchMethod>(method)),
                    "STRETCH_METHOD_");
}

using v1::Telemetry;

constexpr const char* kRed = "\x1b[31m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kReset = "\x1b[0m";
constexpr const char* kEllipsis = "…";
constexpr double kFloorDbfs = -60.0;
constexpr double kNoLoudnessLufs = -120.0;
constexpr double kMiB = 1024.0 * 1024.0;

// ---- samples of one node -------------------------------------------------

/// The newest sample of each kind a node published.
struct Latest {
  const Telemetry* device = nullptr;
  const Telemetry* mixer = nullptr;
  const Telemetry* tempo = nullptr;
  const Telemetry* clock = nullptr;
  const Telemetry* encoder = nullptr;
  const Telemetry* links = nullptr;
  const Telemetry* process = nullptr;
};

Latest latest_of(const v1::NodeTelemetry& node) {
  Latest out;
  for (const auto& sample : node.samples()) {
    const Telemetry** slot = nullptr;
    switch (sample.stats_case()) {
      case Telemetry::kDevice: slot = &out.device; break;
      case Telemetry::kMixer: slot = &out.mixer; break;
      case Telemetry::kTempo: slot = &out.tempo; break;
      case Telemetry::kClock: slot = &out.clock; break;
      case Telemetry::kEncoder: slot = &out.encoder; break;
      case Telemetry::kLinks: slot = &out.links; break;
      case Telemetry::kProcess: slot = &out.process; break;
      default: break;
    }
    if (slot != nullptr && (*slot == nullptr || sample.time_ns() >= (*slot)->time_ns())) *slot = &sample;
  }
  return out;
}

const char* kind_name(Telemetry::StatsCase kind) {
  switch (kind) {
    case Telemetry::kDevice: return "device";
    case Telemetry::kMixer: return "mixer";
    case Telemetry::kTempo: return "tempo";
    case Telemetry::kClock: return "clock";
    case Telemetry::kEncoder: return "encoder";
    case Telemetry::kLinks: return "links";
    case Telemetry::kProcess: return "process";
    default: return "none";
  }
}

std::string deck_letter(int deck) {
  if (deck >= v1::DECK_A && deck <= v1::DECK_D) return std::string(1, static_cast<char>('A' + (deck - 1)));
  return "?";
}

/// Callback µs as % of the period; NaN when the period is unknown (0).
double percent_of_period(std::uint32_t us, std::uint32_t period_us) {
  if (period_us == 0) return std::nan("");
  return static_cast<double>(us) / static_cast<double>(period_us) * 100.0;
}

// ---- JSON ----------------------------------------------------------------

nlohmann::json number(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

nlohmann::json device_json(const v1::DeviceStats& d) {
  return {
      {"frames_played", d.frames_played()},
      {"xruns", d.xruns()},
      {"underrun_frames", d.underrun_frames()},
      {"device_xruns", d.device_xruns()},
      {"playout", d.playout()},
      {"sync_error_us", number(d.sync_error_us())},
      {"rate_correction_ppm", number(d.rate_correction_ppm())},
      {"sync_locked", d.sync_locked()},
      {"realigns", d.realigns()},
      {"callbacks", d.callbacks()},
      {"callback_p50_us", d.callback_p50_us()},
      {"callback_p99_us", d.callback_p99_us()},
      {"callback_max_us", d.callback_max_us()},
      {"callback_p50_pct", number(percent_of_period(d.callback_p50_us(), d.period_us()))},
      {"callback_p99_pct", number(percent_of_period(d.callback_p99_us(), d.period_us()))},
      {"callback_max_pct", number(percent_of_period(d.callback_max_us(), d.period_us()))},
      {"period_us", d.period_us()},
      {"ring_fill_frames", d.ring_fill_frames()},
      {"ring_capacity_frames", d.ring_capacity_frames()},
      {"sample_rate_hz", d.sample_rate_hz()},
      {"period_frames", d.period_frames()},
      {"backend", d.backend()},
      {"device", d.device()},
      {"channels", d.channels()},
  };
}

nlohmann::json deck_json(const v1::MixerStats::DeckStats& d) {
  return {
      {"deck", deck_letter(d.deck())},
      {"playing", d.playing()},
      {"file", d.file()},
      {"position_seconds", number(d.position_seconds())},
      {"gain_db", number(d.gain_db())},
      {"rms_dbfs", number(d.rms_dbfs())},
      {"peak_dbfs", number(d.peak_dbfs())},
      {"stretch_method", stretch_method_name(d.stretch_method())},
      {"reserve_seconds", number(d.reserve_seconds())},
      {"clipping", d.clipping()},
      {"silent", d.silent()},
      {"fifo_underrun_frames", d.fifo_underrun_frames()},
      {"buffers", d.buffers()},
  };
}

nlohmann::json master_json(const v1::MixerStats& m) {
  return {
      {"rms_dbfs", number(m.master_rms_dbfs())},
      {"peak_dbfs", number(m.master_peak_dbfs())},
      {"momentary_lufs", number(m.master_momentary_lufs())},
      {"short_term_lufs", number(m.master_short_term_lufs())},
      {"clipped_samples", m.master_clipped_samples()},
      {"silent", m.master_silent()},
      {"limiter_gain_reduction_db", number(m.limiter_gain_reduction_db())},
      {"gain_db", number(m.master_gain_db())},
      {"blocks", m.blocks()},
      {"next_pts_ns", m.next_pts_ns()},
      {"nonfinite_samples", m.nonfinite_samples()},
      {"loads_refused", m.loads_refused()},
      {"load_timeouts", m.load_timeouts()},
  };
}

nlohmann::json tempo_json(const v1::TempoStats& t) {
  return {
      {"movement", number(t.movement())},       {"target_bpm", number(t.target_bpm())},
      {"current_bpm", number(t.current_bpm())}, {"ramping", t.ramping()},
      {"tempo_node", t.tempo_node()},
  };
}

nlohmann::json clock_json(const v1::ClockStats& c) {
  return {
      {"offset_ms", static_cast<double>(c.offset_ns()) / 1e6},
      {"skew_ppm", number(c.drift_ppm())},
      {"estimated_error_ms", c.estimated_error_ns() < 0
                                 ? nlohmann::json(nullptr)
                                 : nlohmann::json(static_cast<double>(c.estimated_error_ns()) / 1e6)},
      {"round_trip_ms", static_cast<double>(c.round_trip_ns()) / 1e6},
      {"min_round_trip_ms", static_cast<double>(c.min_round_trip_ns()) / 1e6},
      {"locked", c.locked()},
      {"steps", c.steps()},
      {"relocks", c.relocks()},
      {"probes_used", c.probes_used()},
      {"probes_rejected", c.probes_rejected()},
      {"reference_node", c.reference_node()},
  };
}

nlohmann::json output_json(const v1::EncoderTelemetry::Output& o) {
  return {
      {"name", o.name()},
      {"codec", o.codec()},
      {"bitrate_kbps", o.bitrate_kbps()},
      {"sink_state", sink_state_name(o.sink_state())},
      {"target", o.target()},
      {"last_error", o.last_error()},
      {"realtime_factor", number(o.realtime_factor())},
      {"frames_in", o.frames_in()},
      {"bytes_out", o.bytes_out()},
      {"streams", o.streams()},
      {"reconnects", o.reconnects()},
      {"bytes_dropped", o.bytes_dropped()},
      {"errors", o.errors()},
  };
}

nlohmann::json encoder_json(const v1::EncoderTelemetry& e) {
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& o : e.outputs()) outputs.push_back(output_json(o));
  return {
      {"stream_id", e.stream_id()},           {"source", e.source()},
      {"frames_in", e.frames_in()},           {"gaps", e.gaps()},
      {"lost_chunks", e.lost_chunks()},       {"concealed_frames", e.concealed_frames()},
      {"dropped_chunks", e.dropped_chunks()}, {"backlog_frames", e.backlog_frames()},
      {"format_changes", e.format_changes()}, {"restarts", e.restarts()}, {"nonfinite_samples", e.nonfinite_samples()},
      {"sample_rate_hz", e.sample_rate_hz()}, {"outputs", std::move(outputs)},
  };
}

nlohmann::json link_json(const v1::LinkStats::Link& l) {
  return {
      {"node", l.node()},
      {"alive", l.alive()},
      {"rtt_ms", number(l.rtt_ms())},
      {"clock_offset_ms", static_cast<double>(l.clock_offset_ns()) / 1e6},
      {"last_heard_age_ms", l.last_heard_age_ms()},
  };
}

nlohmann::json stream_link_json(const v1::StreamLink& s) {
  return {
      {"stream_id", s.stream_id()},
      {"source_address", s.source_address()},
      {"receiving", s.receiving()},
      {"packets_expected", s.packets_expected()},
      {"packets_received", s.packets_received()},
      {"packets_lost", s.packets_lost()},
      {"loss_percent", number(s.loss_percent())},
      {"loss_percent_10s", number(s.loss_percent_10s())},
      {"recovered_packets", s.recovered_packets()},
      {"concealed_frames", s.concealed_frames()},
      {"late_packets", s.late_packets()},
      {"duplicate_packets", s.duplicate_packets()},
      {"foreign_packets", s.foreign_packets()},
      {"jitter_ms", number(s.jitter_ms())},
      {"buffer_frames", s.buffer_frames()},
      {"frames_played", s.frames_played()},
      {"latency_ms", s.latency_ms()},
      {"epoch_resets", s.epoch_resets()},
      {"rms_dbfs", number(s.rms_dbfs())},
      {"peak_dbfs", number(s.peak_dbfs())},
  };
}

nlohmann::json process_json(const v1::ProcessStats& p) {
  return {
      {"cpu_percent", number(p.cpu_percent())},
      {"rss_bytes", p.rss_bytes()},
      {"threads", p.threads()},
      {"uptime_seconds", number(p.uptime_seconds())},
  };
}

nlohmann::json node_json(const v1::NodeTelemetry& node) {
  const Latest latest = latest_of(node);
  nlohmann::json out;
  out["node"] = node.node();
  out["alive"] = node.alive();
  out["stale"] = node.stale();
  out["age_ms"] = node.age_ms();
  out["roles"] = nlohmann::json::array();
  for (const auto& role : node.roles()) out["roles"].push_back(role);
  out["samples"] = nlohmann::json::array();
  for (const auto& s : node.samples())
    out["samples"].push_back({{"actor", s.actor()},
                              {"kind", kind_name(s.stats_case())},
                              {"time_ns", s.time_ns()},
                              {"sequence", s.sequence()}});

  out["device"] = latest.device ? device_json(latest.device->device()) : nlohmann::json(nullptr);
  out["decks"] = nlohmann::json::array();
  out["master"] = nullptr;
  if (latest.mixer) {
    for (const auto& d : latest.mixer->mixer().decks()) out["decks"].push_back(deck_json(d));
    out["master"] = master_json(latest.mixer->mixer());
  }
  out["tempo"] = latest.tempo ? tempo_json(latest.tempo->tempo()) : nlohmann::json(nullptr);
  out["clock"] = latest.clock ? clock_json(latest.clock->clock()) : nlohmann::json(nullptr);
  out["encoder"] = latest.encoder ? encoder_json(latest.encoder->encoder()) : nlohmann::json(nullptr);
  out["links"] = nlohmann::json::array();
  out["link_counters"] = nullptr;
  out["security"] = nullptr;
  out["streams"] = nlohmann::json::array();
  out["clock_offset_ms"] = nullptr;
  if (latest.links) {
    const auto& l = latest.links->links();
    for (const auto& link : l.links()) out["links"].push_back(link_json(link));
    out["streams"] = nlohmann::json::array();
    for (const auto& stream : l.streams()) out["streams"].push_back(stream_link_json(stream));
    out["link_counters"] = {
        {"forwarded", l.forwarded()},
        {"timeouts", l.timeouts()},
        {"publish_dropped", l.publish_dropped()},
        {"connections_refused", l.connections_refused()},
        {"unknown_keys", l.unknown_keys()},
        {"held_refused", l.held_refused()},
        {"osc_refused_busy", l.osc_refused_busy()},
        {"osc_replies_limited", l.osc_replies_limited()}};
    out["security"] = l.security();
    out["clock_offset_ms"] = static_cast<double>(l.clock_offset_ns()) / 1e6;
  } else if (latest.clock) {
    out["clock_offset_ms"] = static_cast<double>(latest.clock->clock().offset_ns()) / 1e6;
  }
  out["process"] = latest.process ? process_json(latest.process->process()) : nlohmann::json(nullptr);
  return out;
}

// ---- text helpers --------------------------------------------------------

std::string fixed(double value, int decimals = 1) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string signed_fixed(double value, int decimals = 1) {
  std::string text = fixed(value, decimals);
  return (value > 0 || text == "inf") ? "+" + text : text;
}

std::string dbfs_text(double dbfs) { return (dbfs <= kNoLoudnessLufs) ? "-inf" : fixed(dbfs); }

std::string percent_text(double pct) { return std::isfinite(pct) ? fixed(pct, 0) + "%" : "?"; }

std::string bytes_text(double bytes) {
  if (bytes >= kMiB * 1024.0) return fixed(bytes / (kMiB * 1024.0)) + " GiB";
  if (bytes >= kMiB) return fixed(bytes / kMiB) + " MiB";
  if (bytes >= 1024.0) return fixed(bytes / 1024.0) + " KiB";
  return fixed(bytes, 0) + " B";
}

std::string rtf_text(double rtf) {
  if (!std::isfinite(rtf) || rtf <= 0.0) return "-";
  return fixed(rtf, rtf >= 10.0 ? 0 : 1) + "x";
}

std::string basename_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Control bytes (ESC included) from the snapshot shown as '?'.
std::string sanitize(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) c = '?';
  }
  return out;
}

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

/// Columns of escape-free UTF-8 text: one per code point.
int columns(const std::string& text) {
  int n = 0;
  for (char c : text)
    if (!is_continuation(static_cast<unsigned char>(c))) ++n;
  return n;
}

/// The first `n` code points of `text`.
std::string first_columns(const std::string& text, int n) {
  if (n <= 0) return {};
  int seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_continuation(static_cast<unsigned char>(text[i]))) continue;
    if (seen == n) return text.substr(0, i);
    ++seen;
  }
  return text;
}

/// The last `n` code points of `text`.
std::string last_columns(const std::string& text, int n) {
  const int total = columns(text);
  if (n >= total) return text;
  if (n <= 0) return {};
  int skip = total - n;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_continuation(static_cast<unsigned char>(text[i]))) continue;
    if (skip == 0) return text.substr(i);
    --skip;
  }
  return {};
}

enum class Elide { none, end, middle };

/// `text` shortened to at most `n` columns with "…" (at the end or the middle).
std::string ellipsize(const std::string& text, int n, Elide how) {
  if (columns(text) <= n) return text;
  if (n <= 0) return {};
  if (n == 1) return kEllipsis;
  if (how == Elide::middle) {
    const int tail = (n - 1) / 2;
    return first_columns(text, n - 1 - tail) + kEllipsis + last_columns(text, tail);
  }
  return first_columns(text, n - 1) + kEllipsis;
}

/// One line of the view: coloured segments. Elastic segments (names, paths)
/// are shortened with "…" when the line is too wide; optional segments
/// (priority > 0) are dropped first, all segments of the highest priority
/// number together, as long as the elastic ones could not reach their minimum
/// otherwise.
class Line {
 public:
  Line& add(std::string text, const char* color = nullptr, int priority = 0) {
    segments_.push_back({std::move(text), color, Elide::none, 0, priority});
    return *this;
  }
  Line& elastic(const std::string& text, Elide how, int min_columns, const char* color = nullptr, int priority = 0) {
    segments_.push_back({sanitize(text), color, how, min_columns, priority});
    return *this;
  }

  std::string render(int width, bool color) const {
    std::vector<Segment> segs = segments_;
    const auto least = [](const Segment& s) {
      const int have = columns(s.text);
      return s.elide == Elide::none ? have : std::min(have, s.min_columns);
    };
    int least_total = 0;
    for (const auto& s : segs) least_total += least(s);
    while (least_total > width) {
      int top = 0;
      for (const auto& s : segs) top = std::max(top, s.priority);
      if (top == 0) break;
      for (auto it = segs.begin(); it != segs.end();) {
        if (it->priority != top) {
          ++it;
          continue;
        }
        least_total -= least(*it);
        it = segs.erase(it);
      }
    }
    int total = 0;
    for (const auto& s : segs) total += columns(s.text);
    for (auto& s : segs) {
      if (total <= width) break;
      if (s.elide == Elide::none) continue;
      const int have = columns(s.text);
      const int keep = std::max(std::min(have, s.min_columns), have - (total - width));
      if (keep >= have) continue;
      s.text = ellipsize(s.text, keep, s.elide);
      total -= have - columns(s.text);
    }
    // Anything still too wide is cut at width - 1 columns plus "…".
    const int budget = total > width ? width - 1 : width;
    std::string out;
    int used = 0;
    for (const auto& s : segs) {
      if (used >= budget) break;
      std::string text = s.text;
      if (used + columns(text) > budget) text = first_columns(text, budget - used);
      used += columns(text);
      if (text.empty()) continue;
      if (color && s.color) {
        out += s.color;
        out += text;
        out += kReset;
      } else {
        out += text;
      }
    }
    if (total > width) out += kEllipsis;
    return out + "\n";
  }

 private:
  struct Segment {
    std::string text;
    const char* color;
    Elide elide;
    int min_columns;
    int priority;
  };
  std::vector<Segment> segments_;
};

const char* state_color(const std::string& sink_state) {
  if (sink_state == "connected" || sink_state == "open") return kGreen;
  if (sink_state == "connecting" || sink_state == "backoff") return kYellow;
  if (sink_state == "failed" || sink_state == "auth_failed") return kRed;
  return nullptr;
}

// ---- sections ------------------------------------------------------------

struct View {
  int width;
  bool color;
  std::string out;
  void put(const Line& line) { out += line.render(width, color); }
};

void device_lines(View& v, const v1::DeviceStats& d) {
  Line line;
  line.add("  device  ").add(d.backend().empty() ? "?" : sanitize(d.backend()));
  line.add(" " + std::to_string(d.sample_rate_hz()) + " Hz " + std::to_string(d.period_frames()) + " fr", nullptr, 3);
  line.add("  ").add("xruns " + std::to_string(d.xruns()), d.xruns() > 0 ? kRed : nullptr);
  if (d.underrun_frames() > 0) line.add("  ").add("under " + std::to_string(d.underrun_frames()) + " fr", kRed);
  if (d.playout()) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "  sync %+.1f us %+.1f ppm", d.sync_error_us(), d.rate_correction_ppm());
    line.add(buf, d.sync_locked() ? nullptr : kYellow);
    if (d.realigns() > 0) line.add("  realigns " + std::to_string(d.realigns()), kYellow);
  }
  const double p50 = percent_of_period(d.callback_p50_us(), d.period_us());
  const double p99 = percent_of_period(d.callback_p99_us(), d.period_us());
  const double max = percent_of_period(d.callback_max_us(), d.period_us());
  line.add("  cb p50 " + percent_text(p50) + " p99 " + percent_text(p99) + " ");
  line.add("max " + percent_text(max), max >= 100.0 ? kRed : (max >= 80.0 ? kYellow : nullptr));
  line.add("  ring " + std::to_string(d.ring_fill_frames()) + "/" + std::to_string(d.ring_capacity_frames()), nullptr,
           1);
  if (!d.device().empty()) line.add("  ", nullptr, 4).elastic(d.device(), Elide::end, 8, nullptr, 4);
  v.put(line);
}

/// Level bar cells for a view width: 10 at 100 columns, 20 from 140 on.
int bar_cells(int width) { return std::clamp((width - 60) / 4, 8, 20); }

void deck_line(View& v, const v1::MixerStats::DeckStats& d) {
  const char* level_color = d.clipping() ? kRed : (d.silent() ? kYellow : kGreen);
  Line line;
  line.add("  " + deck_letter(d.deck()) + (d.playing() ? " ▶ " : " ■ "));
  const std::string name = d.file().empty() ? std::string("(empty)") : basename_of(d.file());
  line.elastic(name, Elide::end, 16);
  if (d.buffers() > 1) line.add(" +" + std::to_string(d.buffers() - 1), nullptr, 4);
  line.add("  " + format_duration(d.position_seconds()));
  line.add("  gain " + signed_fixed(d.gain_db()) + " dB", nullptr, 2);
  line.add("  ");
  line.add("[" + level_bar(d.rms_dbfs(), bar_cells(v.width)) + "]", level_color);
  line.add(" " + dbfs_text(d.rms_dbfs()) + " dBFS pk " + dbfs_text(d.peak_dbfs()));
  if (d.clipping()) line.add(" CLIP", kRed);
  if (d.silent()) line.add(" SILENT", kYellow);
  if (const auto method = stretch_method_name(d.stretch_method()); !method.empty()) line.add("  " + method, nullptr, 3);
  line.add("  reserve " + fixed(d.reserve_seconds()) + " s", nullptr, 1);
  if (d.fifo_underrun_frames() > 0) line.add("  under " + std::to_string(d.fifo_underrun_frames()) + " fr", kYellow);
  v.put(line);
}

// `plays_stream`: the room plays a remote stream, so the mixer's master is
// only its local mix (the stream's level is on its link line); a silent local
// mix is then normal, not flagged.
void mixer_lines(View& v, const v1::MixerStats& m, bool plays_stream) {
  for (const auto& d : m.decks()) deck_line(v, d);
  const bool clipped = m.master_clipped_samples() > 0;
  const bool flag_silent = m.master_silent() && !plays_stream;
  const char* level_color = clipped ? kRed : (flag_silent ? kYellow : kGreen);
  Line line;
  line.add(plays_stream ? "  local   " : "  master  ");
  line.add("[" + level_bar(m.master_rms_dbfs(), bar_cells(v.width)) + "]", level_color);
  line.add(" " + dbfs_text(m.master_rms_dbfs()) + " dBFS pk " + dbfs_text(m.master_peak_dbfs()));
  line.add("  LUFS M " + dbfs_text(m.master_momentary_lufs()) + " S " + dbfs_text(m.master_short_term_lufs()));
  if (clipped) line.add("  clipped " + std::to_string(m.master_clipped_samples()), kRed);
  if (flag_silent) line.add("  SILENT", kYellow);
  if (m.nonfinite_samples() > 0) line.add("  NaN " + std::to_string(m.nonfinite_samples()), kRed);
  if (m.loads_refused() > 0) line.add("  refused " + std::to_string(m.loads_refused()), kYellow);
  if (m.load_timeouts() > 0) line.add("  load timeouts " + std::to_string(m.load_timeouts()), kYellow);
  line.add("  gain " + signed_fixed(m.master_gain_db()) + " dB", nullptr, 2);
  line.add("  lim " + fixed(m.limiter_gain_reduction_db()) + " dB", nullptr, 1);
  v.put(line);
}

void tempo_lines(View& v, const v1::TempoStats& t) {
  Line line;
  line.add("  tempo   movement " + fixed(t.movement(), 2) + "  bpm " + fixed(t.current_bpm()) + " → target " +
           fixed(t.target_bpm()));
  if (t.ramping()) line.add("  ramping", kYellow);
  if (!t.tempo_node().empty()) line.add("  on ").elastic(t.tempo_node(), Elide::end, 6);
  v.put(line);
}

void clock_lines(View& v, const v1::ClockStats& c) {
  Line line;
  line.add("  clock   offset " + signed_fixed(static_cast<double>(c.offset_ns()) / 1e6, 3) + " ms  skew " +
           signed_fixed(c.drift_ppm(), 2) + " ppm");
  if (!c.locked()) {
    line.add("  UNLOCKED", kYellow);
  } else {
    line.add("  err " + fixed(static_cast<double>(c.estimated_error_ns()) / 1e6, 3) + " ms");
  }
  line.add("  rtt " + fixed(static_cast<double>(c.round_trip_ns()) / 1e6, 2) + " ms", nullptr, 2);
  if (c.steps() > 0) line.add("  steps " + std::to_string(c.steps()), kYellow, 1);
  if (c.relocks() > 0) line.add("  relocks " + std::to_string(c.relocks()), kYellow, 1);
  if (!c.reference_node().empty()) line.add("  ref ").elastic(c.reference_node(), Elide::end, 6);
  v.put(line);
}

void encoder_lines(View& v, const v1::EncoderTelemetry& e) {
  Line head;
  head.add("  encoder ").elastic(e.stream_id().empty() ? std::string("?") : e.stream_id(), Elide::end, 8);
  if (!e.source().empty()) head.add(" from ", nullptr, 4).elastic(e.source(), Elide::end, 6, nullptr, 4);
  head.add("  " + std::to_string(e.sample_rate_hz()) + " Hz", nullptr, 3);
  head.add("  ").add("gaps " + std::to_string(e.gaps()), e.gaps() > 0 ? kYellow : nullptr);
  head.add("  lost " + std::to_string(e.lost_chunks()), e.lost_chunks() > 0 ? kYellow : nullptr);
  head.add("  dropped " + std::to_string(e.dropped_chunks()), e.dropped_chunks() > 0 ? kRed : nullptr);
  head.add("  backlog " + std::to_string(e.backlog_frames()) + " fr", nullptr, 2);
  if (e.restarts() > 0) head.add("  restarts " + std::to_string(e.restarts()), kYellow, 1);
  if (e.nonfinite_samples() > 0) head.add("  NaN " + std::to_string(e.nonfinite_samples()), kRed, 1);
  v.put(head);
  for (const auto& o : e.outputs()) {
    Line line;
    line.add("    ").elastic(o.name(), Elide::end, 6);
    line.add(" " + sanitize(o.codec()) + " " + std::to_string(o.bitrate_kbps()) + "k → ");
    line.elastic(o.target().empty() ? std::string("-") : o.target(), Elide::middle, 16);
    const auto state = sink_state_name(o.sink_state());
    line.add("  ").add(state.empty() ? std::string("?") : state, state_color(state));
    line.add("  rtf " + rtf_text(o.realtime_factor()));
    line.add("  gaps " + std::to_string(e.gaps()));
    line.add("  out " + bytes_text(static_cast<double>(o.bytes_out())), nullptr, 4);
    if (o.reconnects() > 0) line.add("  reconnects " + std::to_string(o.reconnects()), kYellow, 3);
    if (o.bytes_dropped() > 0) line.add("  dropped " + bytes_text(static_cast<double>(o.bytes_dropped())), kRed, 2);
    if (o.errors() > 0) line.add("  errors " + std::to_string(o.errors()), kRed, 1);
    if (!o.last_error().empty()) line.add("  ", nullptr, 5).elastic(o.last_error(), Elide::end, 12, kRed, 5);
    v.put(line);
  }
}

void links_lines(View& v, const v1::LinkStats& l) {
  Line head;
  head.add("  links   offset " + signed_fixed(static_cast<double>(l.clock_offset_ns()) / 1e6, 3) + " ms  fwd " +
           std::to_string(l.forwarded()));
  head.add("  timeouts " + std::to_string(l.timeouts()), l.timeouts() > 0 ? kYellow : nullptr);
  head.add("  pub-dropped " + std::to_string(l.publish_dropped()), l.publish_dropped() > 0 ? kYellow : nullptr);
  if (!l.security().empty()) head.add("  " + sanitize(l.security()), l.security() == "plain" ? kYellow : nullptr);
  if (l.connections_refused() > 0)
    head.add("  refused " + std::to_string(l.connections_refused()) + " (unknown keys " +
                 std::to_string(l.unknown_keys()) + ")",
             kRed);
  if (l.held_refused() > 0) head.add("  held-refused " + std::to_string(l.held_refused()), kYellow);
  if (l.osc_refused_busy() + l.osc_replies_limited() > 0)
    head.add("  osc busy " + std::to_string(l.osc_refused_busy()) + " / replies limited " +
                 std::to_string(l.osc_replies_limited()),
             kYellow);
  v.put(head);
  // Link entries packed onto continuation lines.
  const std::string indent = "    ";
  Line line;
  int used = 0;
  bool any = false;
  for (const auto& link : l.links()) {
    std::string entry = "→ " + sanitize(link.node()) + " ";
    std::string status = link.alive() ? "rtt " + fixed(link.rtt_ms(), 2) + " ms" : std::string("down");
    const int cols = columns(entry) + columns(status) + 2;
    if (any && columns(indent) + used + cols > v.width) {
      v.put(line);
      line = Line();
      used = 0;
      any = false;
    }
    line.add(any ? "  " : indent);
    line.add(entry).add(status, link.alive() ? kGreen : kRed);
    used += cols;
    any = true;
  }
  if (any) v.put(line);
  // One line per received stream: the seed's question "where is the loss?" answered per link.
  for (const auto& s : l.streams()) {
    Line sl;
    sl.add(indent + "⇐ " + sanitize(s.stream_id()) + " ");
    sl.add(s.receiving() ? "receiving" : "silent", s.receiving() ? kGreen : kRed);
    sl.add("  " + dbfs_text(s.rms_dbfs()) + " dBFS pk " + dbfs_text(s.peak_dbfs()));
    sl.add("  loss " + fixed(s.loss_percent_10s(), 1) + " % (10 s), " + fixed(s.loss_percent(), 1) + " % total",
           s.loss_percent_10s() > 1.0 ? kYellow : nullptr);
    sl.add("  fec " + std::to_string(s.recovered_packets()));
    sl.add("  concealed " + std::to_string(s.concealed_frames()), s.concealed_frames() > 0 ? kYellow : nullptr);
    sl.add("  late " + std::to_string(s.late_packets()) + "  jitter " + fixed(s.jitter_ms(), 2) + " ms  buf " +
           std::to_string(s.buffer_frames()));
    v.put(sl);
  }
}

void process_lines(View& v, const v1::ProcessStats& p) {
  Line line;
  line.add("  process cpu " + fixed(p.cpu_percent()) + "%  rss " + bytes_text(static_cast<double>(p.rss_bytes())) +
           "  threads " + std::to_string(p.threads()) + "  up " + format_duration(p.uptime_seconds()));
  v.put(line);
}

void node_section(View& v, const v1::NodeTelemetry& node) {
  const Latest latest = latest_of(node);
  const char* state = !node.alive() ? "DEAD" : (node.stale() ? "STALE" : "ALIVE");
  const char* color = !node.alive() ? kRed : (node.stale() ? kYellow : kGreen);
  std::string roles;
  for (const auto& r : node.roles()) roles += (roles.empty() ? "" : ", ") + r;
  Line head;
  head.add("== ", kBold).elastic(node.node().empty() ? std::string("?") : node.node(), Elide::end, 8, kBold);
  head.add("  ").add(state, color);
  head.add(node.age_ms() < 0 ? std::string("  never heard") : "  age " + std::to_string(node.age_ms()) + " ms");
  if (!roles.empty()) head.add("  (").elastic(roles, Elide::end, 8).add(")");
  v.put(head);
  if (latest.device) device_lines(v, latest.device->device());
  const bool plays_stream = latest.links && latest.links->links().streams_size() > 0;
  if (latest.mixer) mixer_lines(v, latest.mixer->mixer(), plays_stream);
  if (latest.tempo) tempo_lines(v, latest.tempo->tempo());
  if (latest.clock) clock_lines(v, latest.clock->clock());
  if (latest.encoder) encoder_lines(v, latest.encoder->encoder());
  if (latest.links) links_lines(v, latest.links->links());
  if (latest.process) process_lines(v, latest.process->process());
  if (node.samples_size() == 0) v.put(Line().add("  (no telemetry)", kYellow));
}

}  // namespace

nlohmann::json top_json(const v1::TelemetrySnapshot& snap) {
  nlohmann::json out;
  out["interval_ms"] = snap.interval_ms();
  out["telemetry_store"] = {{"entries", snap.store_entries()},
                            {"evicted", snap.store_evicted()},
                            {"oversize", snap.store_oversize()}};
  out["nodes"] = nlohmann::json::array();
  for (const auto& node : snap.nodes()) out["nodes"].push_back(node_json(node));
  return out;
}

std::string render_top(const v1::TelemetrySnapshot& snap, const TopStyle& style) {
  View v{std::max(1, style.width), style.color, {}};
  std::int64_t newest_ns = 0;
  for (const auto& node : snap.nodes())
    for (const auto& s : node.samples()) newest_ns = std::max(newest_ns, s.time_ns());
  Line head;
  head.elastic(style.title.empty() ? std::string("crowdmesh top") : style.title, Elide::end, 8, kBold);
  head.add("  mesh time " + (newest_ns > 0 ? format_duration(static_cast<double>(newest_ns) / 1e9) : "-"));
  head.add("  " + std::to_string(snap.nodes_size()) + (snap.nodes_size() == 1 ? " node" : " nodes"));
  head.add("  interval " + std::to_string(snap.interval_ms()) + " ms");
  v.put(head);
  for (const auto& node : snap.nodes()) node_section(v, node);
  return v.out;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "-:--.-";
  const auto tenths = static_cast<long long>(std::llround(std::fabs(seconds) * 10.0));
  const bool negative = seconds < 0 && tenths > 0;
  const long long total_s = tenths / 10;
  const long long h = total_s / 3600;
  const long long m = (total_s / 60) % 60;
  const long long s = total_s % 60;
  char buf[64];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%s%lld:%02lld:%02lld.%lld", negative ? "-" : "", h, m, s, tenths % 10);
  else
    std::snprintf(buf, sizeof buf, "%s%lld:%02lld.%lld", negative ? "-" : "", m, s, tenths % 10);
  return buf;
}

std::string level_bar(double dbfs, int cells) {
  if (cells <= 0) return {};
  int lit = 0;
  if (std::isfinite(dbfs) && dbfs > kFloorDbfs)
    lit = dbfs >= 0.0 ? cells
                      : std::clamp(static_cast<int>(std::lround((dbfs - kFloorDbfs) / -kFloorDbfs * cells)), 0, cells);
  else if (std::isinf(dbfs) && dbfs > 0)
    lit = cells;
  return std::string(static_cast<std::size_t>(lit), '#') + std::string(static_cast<std::size_t>(cells - lit), '-');
}

}  // namespace crowdmesh::control
