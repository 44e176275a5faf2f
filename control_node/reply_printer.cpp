#include "control_node/reply_printer.hpp"
#include "common/strings.hpp"

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::control {
namespace {

using Row = std::vector<std::string>;

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

std::string deck_letter(int deck) {
  if (deck >= v1::DECK_A && deck <= v1::DECK_D) return std::string(1, 'A' + (deck - 1));
  return "?";
}

std::string basename_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string state_word(v1::BufferState state) {
  switch (state) {
    case v1::BUFFER_STATE_LOADING: return "loading";
    case v1::BUFFER_STATE_READY: return "ready";
    case v1::BUFFER_STATE_PLAYING: return "playing";
    case v1::BUFFER_STATE_STOPPED: return "stopped";
    case v1::BUFFER_STATE_ENDED: return "ended";
    case v1::BUFFER_STATE_FAILED: return "failed";
    default: return "unknown";
  }
}

std::string buffer_summary(const v1::BufferStatus& buffer) {
  std::string out = state_word(buffer.state()) + " " + basename_of(buffer.path());
  if (buffer.state() == v1::BUFFER_STATE_FAILED) {
    if (!buffer.error().message().empty()) out += " (" + buffer.error().message() + ")";
    return out;
  }
  out += " " + fixed(buffer.position_seconds()) + " s";
  if (buffer.loop()) out += " (loop)";
  return out;
}

std::string buffers_summary(const v1::DeckState& deck) {
  if (deck.buffers_size() == 0) return "empty";
  std::vector<std::string> parts;
  for (const auto& buffer : deck.buffers()) parts.push_back(buffer_summary(buffer));
  return join_non_empty(parts, ", ");
}

std::string eq_summary(const v1::DeckState& deck) {
  return signed_fixed(deck.eq_low_gain_db()) + "/" + signed_fixed(deck.eq_mid_gain_db()) + "/" +
         signed_fixed(deck.eq_high_gain_db()) + " dB";
}

std::string deck_summary(const v1::DeckState& deck) {
  std::string out = "deck " + deck_letter(deck.deck()) + ": " + buffers_summary(deck);
  if (deck.gain_db() != 0.0) out += ", gain " + signed_fixed(deck.gain_db()) + " dB";
  if (deck.muted()) out += ", muted";
  if (deck.eq_low_gain_db() != 0.0 || deck.eq_mid_gain_db() != 0.0 || deck.eq_high_gain_db() != 0.0)
    out += ", eq " + eq_summary(deck);
  if (deck.filter_amount() != 0.0) out += ", filter " + signed_fixed(deck.filter_amount(), 2);
  return out;
}

std::string offset_ms(std::int64_t offset_ns) { return signed_fixed(static_cast<double>(offset_ns) / 1e6, 3) + " ms"; }

std::string table(const std::vector<Row>& rows, const std::string& indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line = indent;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string node_list_table(const v1::NodeList& list) {
  std::vector<Row> rows{
      {"NODE", "ALIVE", "ROLES", "LAST HEARD", "CLOCK OFFSET", "SKEW", "SYNC ERROR", "RTT", "ENDPOINT"}};
  for (const auto& node : list.nodes()) {
    std::string roles;
    for (const auto& role : node.roles()) roles += (roles.empty() ? "" : ",") + role;
    const std::string heard = node.self() ? "self"
                              : node.last_heartbeat_age_ms() < 0
                                  ? "never"
                                  : std::to_string(node.last_heartbeat_age_ms()) + " ms ago";
    const bool never = !node.self() && node.last_heartbeat_age_ms() < 0;
    const std::string sync = never ? "-"
                             : !node.clock_locked()
                                 ? "unlocked"
                                 : fixed(static_cast<double>(node.clock_error_ns()) / 1e6, 3) + " ms";
    rows.push_back({node.name() + (node.self() ? " *" : ""), node.alive() ? "yes" : "NO", roles.empty() ? "-" : roles,
                    heard, offset_ms(node.clock_offset_ns()), signed_fixed(node.clock_skew_ppm(), 2) + " ppm", sync,
                    fixed(node.clock_rtt_ms(), 2) + " ms", node.control_endpoint()});
  }
  return table(rows, "  ");
}

std::string node_status_table(const v1::NodeStatus& status) {
  const auto& dev = status.device();
  std::vector<Row> info{
      {"master", signed_fixed(status.master_gain_db()) + " dB" + (status.master_muted() ? " (muted)" : "")},
      {"tempo",
       status.current_bpm() > 0 ? fixed(status.current_bpm()) + " BPM applied on this node" : std::string("unknown")},
      {"clock", "offset " + offset_ms(status.clock_offset_ns())},
      {"test tone", status.test_tone_hz() > 0 ? fixed(status.test_tone_hz()) + " Hz, " +
                                                    fixed(status.test_tone_remaining_seconds()) + " s left"
                                              : std::string("off")},
      {"device", join_non_empty({dev.backend(), dev.device()}, " ") + ", " + std::to_string(dev.sample_rate_hz()) +
                     " Hz, " + std::to_string(dev.period_frames()) + " frames, " + std::to_string(dev.channels()) +
                     " ch, xruns " + std::to_string(dev.xruns()) + ", callback p99 " +
                     std::to_string(dev.callback_p99_us()) + "/" + std::to_string(dev.period_us()) + " us"}};
  std::vector<Row> decks{{"DECK", "GAIN", "EQ LOW/MID/HIGH", "FILTER", "BUFFERS"}};
  for (const auto& deck : status.decks())
    decks.push_back({deck_letter(deck.deck()), signed_fixed(deck.gain_db()) + " dB" + (deck.muted() ? " muted" : ""),
                     eq_summary(deck), deck.filter_amount() == 0.0 ? "off" : signed_fixed(deck.filter_amount(), 2),
                     buffers_summary(deck)});
  return table(info, "  ") + table(decks, "  ");
}

std::string start_summary(const v1::StartTogetherResult& result) {
  std::vector<std::string> started;
  for (int deck : result.started()) started.push_back(deck_letter(deck));
  std::string out = started.empty() ? "started no deck"
                                    : "started " + join_non_empty(started, ", ") + " at " +
                                          std::to_string(result.start_pts_ns()) + " ns";
  std::vector<std::string> missing;
  for (const auto& not_started : result.not_started())
    missing.push_back(deck_letter(not_started.deck()) + " (" + not_started.reason().message() + ")");
  if (!missing.empty()) out += "; not started: " + join_non_empty(missing, ", ");
  return out;
}

std::string section_switch_summary(const v1::SectionSwitchResult& s) {
  char buf[240];
  std::snprintf(buf, sizeof buf,
                "deck %s switches to section %u (%.3f-%.3f s) on the downbeat at %.3f s (from %.3f s), mesh time %lld "
                "ns%s",
                deck_letter(s.deck()).c_str(), s.section(), s.begin_seconds(), s.end_seconds(), s.downbeat_seconds(),
                s.from_seconds(), static_cast<long long>(s.switch_at_ns()),
                s.late_ns() > 0 ? (", late by " + std::to_string(s.late_ns() / 1000) + " us").c_str() : "");
  return buf;
}

std::string device_table(const v1::DeviceList& list) {
  std::vector<Row> rows{{"INDEX", "NAME", "HOST API", "IN", "OUT", "RATE", "DEFAULT", "BUSY"}};
  for (const auto& dev : list.devices())
    rows.push_back({std::to_string(dev.index()), dev.name(), dev.host_api(), std::to_string(dev.max_input_channels()),
                    std::to_string(dev.max_output_channels()), std::to_string(dev.default_sample_rate_hz()) + " Hz",
                    join_non_empty({dev.is_default_input() ? "in" : "", dev.is_default_output() ? "out" : ""}, "+"),
                    dev.busy() ? "busy" : ""});
  return table(rows, "  ");
}

}  // namespace

std::string ReplyPrinter::node_of(const v1::Envelope& envelope) {
  const std::string& source = envelope.source();
  const std::string node = source.substr(0, source.find('/'));
  return node.empty() ? "?" : node;
}

namespace {

// "stream room-a/master from 10.0.0.11:40312, L24 48000 Hz 2 ch, 2 ms packets, FEC 24+24, latency 120 ms".
std::string stream_summary(const v1::StreamInfo& s) {
  char buf[320];
  const double packet_ms = s.sample_rate_hz() > 0 ? 1000.0 * s.frames_per_packet() / s.sample_rate_hz() : 0.0;
  std::string fec = s.repair_payload_type() < 0
                        ? std::string("no FEC")
                        : "FEC " + std::to_string(s.fec_source_packets()) + "+" + std::to_string(s.fec_repair_packets());
  std::snprintf(buf, sizeof buf, "stream %s from %s, %s %u Hz %u ch, %.3g ms packets, %s, latency %u ms",
                s.stream_id().c_str(), s.source_address().c_str(), s.encoding().c_str(), s.sample_rate_hz(),
                s.channels(), packet_ms, fec.c_str(), s.latency_ms());
  std::string out = buf;
  if (!s.playing().empty()) out = "playing " + out;
  if (s.subscribers() > 0) out += ", " + std::to_string(s.subscribers()) + " subscriber" + (s.subscribers() == 1 ? "" : "s");
  return out;
}

}  // namespace

bool ReplyPrinter::is_ok(const v1::Envelope& envelope) { return envelope.has_reply() && envelope.reply().has_ok(); }

std::string ReplyPrinter::error_text(const v1::Envelope& envelope) {
  const std::string node = node_of(envelope);
  if (!envelope.has_reply())
    return node + ": unexpected answer without a Reply (payload case " + std::to_string(envelope.payload_case()) +
           ")\n";
  if (!envelope.reply().has_error()) return node + ": reply has neither ok nor error\n";
  const auto& error = envelope.reply().error();
  if (!error.message().empty()) return node + ": " + error.message() + "\n";
  return node + ": " + v1::ErrorCode_Name(error.code()) + "\n";
}

std::string ReplyPrinter::text(const v1::Envelope& envelope) {
  if (!is_ok(envelope)) return error_text(envelope);
  const auto& ok = envelope.reply().ok();
  // An SDP is a document for a file (`control_node sdp ... > room-a.sdp`): printed alone.
  if (ok.state_case() == v1::Ok::kStream && !ok.stream().sdp().empty()) return ok.stream().sdp();
  std::string summary;
  std::string details;
  switch (ok.state_case()) {
    case v1::Ok::kDeck: summary = deck_summary(ok.deck()); break;
    case v1::Ok::kStatus:
      summary = "node " + ok.status().node() + ", software " + ok.status().software_version();
      details = node_status_table(ok.status());
      break;
    case v1::Ok::kNodes:
      summary = std::to_string(ok.nodes().nodes_size()) + " node" + (ok.nodes().nodes_size() == 1 ? "" : "s");
      details = node_list_table(ok.nodes());
      break;
    case v1::Ok::kStartTogether: summary = start_summary(ok.start_together()); break;
    case v1::Ok::kSectionSwitch: summary = section_switch_summary(ok.section_switch()); break;
    case v1::Ok::kTempo: {
      const auto& t = ok.tempo();
      char buf[160];
      std::snprintf(buf, sizeof buf, "tempo %.2f BPM, target %.2f BPM, ramp %.0f %%, movement %.3f%s", t.current_bpm(),
                    t.target_bpm(), 100.0 * t.ramp_progress(), t.movement(), t.manual() ? " (set by hand)" : "");
      summary = buf;
      break;
    }
    case v1::Ok::kDevices:
      summary = std::to_string(ok.devices().devices_size()) + " devices";
      details = device_table(ok.devices());
      break;
    case v1::Ok::kStream:
      summary = stream_summary(ok.stream());
      break;
    default: break;
  }
  const std::string body = join_non_empty({ok.message(), summary}, " — ");
  return node_of(envelope) + ": ok" + (body.empty() ? "" : " — " + body) + "\n" + details;
}

caf::expected<std::string> ReplyPrinter::json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok())
    return make_error(errc::internal, "cannot print " + message.GetTypeName() + " as JSON: " + status.ToString());
  return out;
}

caf::expected<std::string> ReplyPrinter::json_with_node(const v1::Envelope& envelope) {
  auto reply = json(envelope.reply());
  if (!reply) return reply.error();
  return "{\"node\":" + nlohmann::json(node_of(envelope)).dump() + ",\"reply\":" + *reply + "}";
}

}  // namespace crowdmesh::control
