#include "control_node/command_line.hpp"
#include "control_node/stream_subcommands.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <sstream>

#include "common/deck.hpp"
#include "common/doctor_range.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "common/test_tone_range.hpp"

#ifndef CROWDMESH_VERSION
#define CROWDMESH_VERSION "unknown"
#endif

namespace crowdmesh::control {
namespace {

// U+2212 MINUS SIGN. CLI11 reads "-inf" as a short option "-i", so such tokens are
// rewritten with this sign before parsing; to_double() reads it as '-'.
constexpr const char* kUnicodeMinus = "\xE2\x88\x92";
constexpr std::int64_t kMaxTimeoutMs = 3'600'000;
constexpr double kMaxBpm = 999.0;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> protect_negative_words(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  out.reserve(args.size());
  for (const auto& arg : args) {
    const std::string l = lower(arg);
    if (l == "-inf" || l == "-infinity" || l == "-nan")
      out.push_back(kUnicodeMinus + arg.substr(1));
    else
      out.push_back(arg);
  }
  return out;
}

std::string show(const std::string& token) { return starts_with(token, kUnicodeMinus) ? "-" + token.substr(3) : token; }

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  std::ostringstream os;
  os << value;
  return os.str();
}

caf::error out_of_range(std::string sentence) { return make_error(errc::value_out_of_range, std::move(sentence)); }

caf::expected<double> to_double(const std::string& token, const std::string& what) {
  std::string text = starts_with(token, kUnicodeMinus) ? "-" + token.substr(3) : token;
  if (!text.empty() && !std::isspace(static_cast<unsigned char>(text.front()))) {
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size() && errno != ERANGE) return value;
  }
  return out_of_range(what + " '" + show(token) + "' is not a number");
}

caf::expected<std::int64_t> to_integer(const std::string& token, const std::string& what, std::int64_t min,
                                       std::int64_t max, const std::string& unit) {
  const std::string range =
      "(allowed " + std::to_string(min) + " to " + std::to_string(max) + (unit.empty() ? "" : " " + unit) + ")";
  if (token.empty() || !(std::isdigit(static_cast<unsigned char>(token.front())) || token.front() == '-'))
    return out_of_range(what + " '" + show(token) + "' is not a whole number " + range);
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(token.c_str(), &end, 10);
  if (end != token.c_str() + token.size())
    return out_of_range(what + " '" + token + "' is not a whole number " + range);
  if (errno == ERANGE || value < min || value > max)
    return out_of_range(what + " " + token + (unit.empty() ? "" : " " + unit) + " is out of range " + range);
  return static_cast<std::int64_t>(value);
}

caf::expected<v1::Deck> to_deck(const std::string& token) {
  if (auto deck = parse_deck(token)) return static_cast<v1::Deck>(index_of(*deck) + 1);
  return make_error(errc::unknown_deck, "unknown deck '" + show(token) + "' (allowed: A, B, C, D)");
}

/// Deck and master gains: NaN, +inf and > +12 dB are refused; -inf is sent as silence.
caf::expected<double> to_gain_db(const std::string& token, const std::string& what) {
  auto value = to_double(token, what + " DB");
  if (!value) return value.error();
  if (std::isnan(*value) || *value > CommandLine::kMaxGainDb)
    return out_of_range(what + " " + format_number(*value) + " dB is out of range (allowed -96 to +12 dB, or -inf)");
  return std::isinf(*value) ? CommandLine::kSilenceGainDb : *value;
}

caf::expected<double> to_eq_db(const std::string& token, const std::string& band) {
  auto value = to_double(token, "EQ " + band);
  if (!value) return value.error();
  if (std::isnan(*value) || *value > CommandLine::kMaxEqGainDb)
    return out_of_range("EQ " + lower(band) + " gain " + format_number(*value) +
                        " dB is out of range (allowed -inf to +6 dB; -60 dB or less kills "
                        "the band)");
  return std::isinf(*value) ? CommandLine::kEqKillDb : *value;
}

/// Positions and durations: finite and >= 0.
caf::expected<double> to_seconds(const std::string& token, const std::string& what) {
  auto value = to_double(token, what);
  if (!value) return value.error();
  if (!std::isfinite(*value) || *value < 0.0)
    return out_of_range(what + " " + format_number(*value) + " s is out of range (allowed 0 s or more)");
  return *value;
}

/// A finite number within lo..hi (unit for the sentence).
caf::expected<double> to_in_range(const std::string& token, const std::string& what, double lo, double hi,
                                  const std::string& unit) {
  auto value = to_double(token, what);
  if (!value) return value.error();
  if (!(*value >= lo && *value <= hi))
    return out_of_range(what + " " + format_number(*value) + (unit.empty() ? "" : " " + unit) +
                        " is out of range (allowed " + format_number(lo) + " to " + format_number(hi) +
                        (unit.empty() ? "" : " " + unit) + ")");
  return *value;
}

caf::expected<double> to_bpm(const std::string& token) {
  auto value = to_double(token, "--bpm");
  if (!value) return value.error();
  if (!std::isfinite(*value) || *value <= 0.0 || *value > kMaxBpm)
    return out_of_range("--bpm " + format_number(*value) + " BPM is out of range (allowed above 0 up to 999 BPM)");
  return *value;
}

caf::expected<bool> to_on_off(const std::string& token) {
  const std::string l = lower(token);
  if (l == "on" || l == "true" || l == "yes" || l == "1") return true;
  if (l == "off" || l == "false" || l == "no" || l == "0") return false;
  return out_of_range("loop state '" + token + "' is not on or off");
}

caf::expected<std::uint32_t> to_buffer_id(const std::string& token) {
  auto value = to_integer(token, "--buffer", 0, std::numeric_limits<std::uint32_t>::max(), "");
  if (!value) return value.error();
  return static_cast<std::uint32_t>(*value);
}

/// Values of every subcommand, kept as text so errors can name the argument.
struct Raw {
  std::string connect = kDefaultControlEndpoint;
  std::string to;
  std::string events;
  std::string timeout_ms;
  bool json = false;
  std::string deck;
  std::vector<std::string> decks;
  std::string file;
  std::string buffer;
  bool loop = false;
  std::string bpm;
  std::string seconds;
  std::string db;
  std::string ramp;
  std::string state;
  std::string low, mid, high;
  std::string amount, hz, level;
  std::string at, in, ready_timeout;
  std::string topic;
  std::string count;
  bool once = false;
  std::string interval_ms;
  std::string periods;
  std::string device;
  std::string probes;
  std::string actor;
  std::string ms;
  std::string key, server_key, config, out, name;
  std::string struct_dir, delta, bpm_min, bpm_max, keys, target_bpm, n_sections, format, rate, audio_dir, rekordbox;
  bool no_orig = false;
  std::string section;
  StreamArgs stream;
};

void add_deck(CLI::App* sub, Raw& raw) {
  sub->add_option("DECK", raw.deck, "Deck A, B, C or D (case-insensitive)")->required();
}

void add_ramp(CLI::App* sub, Raw& raw) {
  sub->add_option("--ramp", raw.ramp, "Ramp time in seconds (default: the engine's short ramp)")->type_name("S");
}

// One builder per subcommand (the table in build_command()): each fills the
// request's command from the parsed words, checks the values it can, and
// returns the actor the command goes to.
caf::expected<std::string> build_top(const std::string&, const Raw&, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  cmd.mutable_get_telemetry();
  return std::string{"telemetry"};
}

caf::expected<std::string> build_doctor(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto* d = cmd.mutable_run_doctor();
  if (!raw.periods.empty()) {
    const auto items = split(raw.periods, ',');
    if (items.size() > static_cast<std::size_t>(doctor::kMaxPeriods))
      return out_of_range("--periods lists " + std::to_string(items.size()) + " sizes (allowed: at most " +
                          std::to_string(doctor::kMaxPeriods) + ")");
    for (const auto& item : items) {
      auto p = to_integer(item, "--periods", doctor::kMinPeriodFrames, doctor::kMaxPeriodFrames, "frames");
      if (!p) return p.error();
      d->add_period_frames(static_cast<std::uint32_t>(*p));
    }
  }
  if (!raw.seconds.empty()) {
    auto s = to_double(raw.seconds, "--seconds");
    if (!s) return s.error();
    if (!std::isfinite(*s) || *s < doctor::kMinSecondsPerPeriod || *s > doctor::kMaxSecondsPerPeriod)
      return out_of_range("--seconds " + format_number(*s) + " is out of range (allowed: " +
                          format_number(doctor::kMinSecondsPerPeriod) + " to " +
                          format_number(doctor::kMaxSecondsPerPeriod) + " s)");
    d->set_seconds_per_period(*s);
  }
  d->set_device(raw.device);
  return std::string{"device"};
}

caf::expected<std::string> build_stall(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto ms = to_integer(raw.ms, "stall MS", 1, 5000, "ms");
  if (!ms) return ms.error();
  if (raw.actor != "mixer") return out_of_range("stall: actor '" + raw.actor + "' cannot be stalled (allowed: mixer)");
  cmd.mutable_stall()->set_target(v1::STALL_TARGET_MIXER);
  cmd.mutable_stall()->set_duration_ms(static_cast<std::uint32_t>(*ms));
  return raw.actor;
}

caf::expected<std::string> build_nodes(const std::string&, const Raw&, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  cmd.mutable_get_nodes();
  return std::string{"gateway"};
}

caf::expected<std::string> build_status(const std::string&, const Raw&, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  cmd.mutable_get_status();
  return std::string{"node"};
}

caf::expected<std::string> build_tempo(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  if (raw.bpm.empty()) {
    cmd.mutable_get_tempo();
    return std::string{"tempo"};
  }
  auto bpm = to_double(raw.bpm, "tempo BPM");
  if (!bpm) return bpm.error();
  if (!std::isfinite(*bpm) || *bpm < 20.0 || *bpm > 300.0)
    return out_of_range("tempo " + format_number(*bpm) + " BPM is out of range (allowed 20 to 300 BPM)");
  auto* set = cmd.mutable_set_tempo();
  set->set_target_bpm(*bpm);
  if (!raw.ramp.empty()) {
    auto s = to_seconds(raw.ramp, "--ramp");
    if (!s) return s.error();
    set->set_ramp_seconds(*s);
  }
  return std::string{"tempo"};
}

caf::expected<std::string> build_method(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  auto* m = cmd.mutable_set_stretch_method();
  m->set_deck(*d);
  if (raw.state == "playback_rate")
    m->set_method(v1::STRETCH_METHOD_PLAYBACK_RATE);
  else if (raw.state == "soundtouch")
    m->set_method(v1::STRETCH_METHOD_SOUNDTOUCH);
  else
    return out_of_range("method '" + raw.state + "' is not one of playback_rate, soundtouch");
  return std::string{"mixer"};
}

caf::expected<std::string> build_movement(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto v = to_double(raw.seconds, "movement VALUE");
  if (!v) return v.error();
  if (!std::isfinite(*v) || *v < 0.0)
    return out_of_range("movement " + format_number(*v) + " is out of range (allowed 0 or more; above 1 is clamped)");
  auto* m = cmd.mutable_report_movement();
  m->set_channel(v1::ReportMovement::CHANNEL_TOTAL);
  m->set_value(*v);
  return std::string{"tempo"};
}

caf::expected<std::string> build_load(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  auto* load = cmd.mutable_load_buffer();
  load->set_deck(*d);
  load->set_path(raw.file);
  if (raw.file.empty()) return out_of_range("load FILE must not be empty");
  if (!raw.buffer.empty()) {
    auto id = to_buffer_id(raw.buffer);
    if (!id) return id.error();
    load->set_buffer_id(*id);
  } else {
    load->set_buffer_id(1);
  }
  load->set_loop(raw.loop);
  if (!raw.bpm.empty()) {
    auto bpm = to_bpm(raw.bpm);
    if (!bpm) return bpm.error();
    load->set_native_bpm(*bpm);
  }
  return std::string{"mixer"};
}

// --at NS (a mesh time) or --in SECONDS (from the node's mesh time now, resolved
// by CommandRunner): when a start or a cued section begins, in every room alike.
caf::expected<void> set_start_time(const Raw& raw, Request& req) {
  if (!raw.at.empty()) {
    auto at = to_integer(raw.at, "--at", 0, std::numeric_limits<std::int64_t>::max(), "ns");
    if (!at) return at.error();
    req.envelope.set_execute_at_ns(*at);
  }
  if (!raw.in.empty()) {
    auto in = to_seconds(raw.in, "--in");
    if (!in) return in.error();
    req.start_in_seconds = *in;
  }
  return caf::unit;
}

caf::expected<std::string> build_cue_section(const std::string&, const Raw& raw, Request& req) {
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  if (raw.file.empty()) return out_of_range("cue-section STRUCT must not be empty");
  auto n = to_integer(raw.section, "cue-section N", 1, 1000000, "");
  if (!n) return n.error();
  auto* cs = req.envelope.mutable_command()->mutable_cue_section();
  cs->set_deck(*d);
  cs->set_struct_path(raw.file);
  cs->set_section(static_cast<std::uint32_t>(*n));
  cs->set_loop(raw.loop);
  if (auto timed = set_start_time(raw, req); !timed) return timed.error();
  if (!raw.buffer.empty()) {
    auto id = to_buffer_id(raw.buffer);
    if (!id) return id.error();
    cs->set_buffer_id(*id);
  } else {
    cs->set_buffer_id(1);
  }
  return std::string{"mixer"};
}

caf::expected<std::string> build_next_section(const std::string&, const Raw& raw, Request& req) {
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  req.envelope.mutable_command()->mutable_next_section()->set_deck(*d);
  return std::string{"mixer"};
}

caf::expected<std::string> build_cue(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  auto* cue = cmd.mutable_cue_deck();
  cue->set_deck(*d);
  if (!raw.seconds.empty()) {
    auto s = to_seconds(raw.seconds, "cue position");
    if (!s) return s.error();
    cue->set_position_seconds(*s);
  }
  return std::string{"mixer"};
}

caf::expected<std::string> build_play_stop(const std::string& name, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  if (name == "play")
    cmd.mutable_play_deck()->set_deck(*d);
  else
    cmd.mutable_stop_deck()->set_deck(*d);
  return std::string{"mixer"};
}

caf::expected<std::string> build_start(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto* start = cmd.mutable_start_together();
  for (const auto& token : raw.decks) {
    auto d = to_deck(token);
    if (!d) return d.error();
    start->add_decks(*d);
  }
  double ready = CommandLine::kDefaultReadyTimeoutSeconds;
  if (!raw.ready_timeout.empty()) {
    auto s = to_seconds(raw.ready_timeout, "start --timeout");
    if (!s) return s.error();
    ready = *s;
  }
  start->set_ready_timeout_seconds(ready);
  if (auto timed = set_start_time(raw, req); !timed) return timed.error();
  return std::string{"mixer"};
}

caf::expected<std::string> build_gain_master(const std::string& name, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  double ramp = 0.0;
  if (!raw.ramp.empty()) {
    auto r = to_seconds(raw.ramp, "--ramp");
    if (!r) return r.error();
    ramp = *r;
  }
  if (name == "master") {
    auto g = to_gain_db(raw.db, "master gain");
    if (!g) return g.error();
    cmd.mutable_set_master_gain()->set_gain_db(*g);
    cmd.mutable_set_master_gain()->set_ramp_seconds(ramp);
    return std::string{"mixer"};
  }
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  auto g = to_gain_db(raw.db, "gain");
  if (!g) return g.error();
  auto* gain = cmd.mutable_set_gain();
  gain->mutable_target()->set_deck(*d);
  gain->set_gain_db(*g);
  gain->set_ramp_seconds(ramp);
  return std::string{"mixer"};
}

caf::expected<std::string> build_seek(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  auto s = to_seconds(raw.seconds, "seek position");
  if (!s) return s.error();
  auto* seek = cmd.mutable_seek();
  seek->set_deck(*d);
  seek->set_position_seconds(*s);
  if (!raw.buffer.empty()) {
    auto id = to_buffer_id(raw.buffer);
    if (!id) return id.error();
    seek->set_buffer_id(*id);
  }
  return std::string{"mixer"};
}

caf::expected<std::string> build_loop(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  auto on = to_on_off(raw.state);
  if (!on) return on.error();
  auto* loop = cmd.mutable_set_loop();
  loop->set_deck(*d);
  loop->set_loop(*on);
  if (!raw.buffer.empty()) {
    auto id = to_buffer_id(raw.buffer);
    if (!id) return id.error();
    loop->set_buffer_id(*id);
  }
  return std::string{"mixer"};
}

caf::expected<std::string> build_eq(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  auto low = to_eq_db(raw.low, "LOW");
  if (!low) return low.error();
  auto mid = to_eq_db(raw.mid, "MID");
  if (!mid) return mid.error();
  auto high = to_eq_db(raw.high, "HIGH");
  if (!high) return high.error();
  auto* eq = cmd.mutable_set_eq_all();
  eq->set_deck(*d);
  eq->set_low_gain_db(*low);
  eq->set_mid_gain_db(*mid);
  eq->set_high_gain_db(*high);
  return std::string{"mixer"};
}

caf::expected<std::string> build_filter(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto d = to_deck(raw.deck);
  if (!d) return d.error();
  auto a = to_in_range(raw.amount, "filter AMOUNT", -1.0, 1.0, "");
  if (!a) return a.error();
  cmd.mutable_set_filter()->set_deck(*d);
  cmd.mutable_set_filter()->set_amount(*a);
  return std::string{"mixer"};
}

caf::expected<std::string> build_tone(const std::string&, const Raw& raw, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  auto* tone = cmd.mutable_test_tone();
  if (!raw.hz.empty()) {
    auto hz = to_in_range(raw.hz, "tone HZ", test_tone::kMinHz, test_tone::kMaxHz, "Hz");
    if (!hz) return hz.error();
    tone->set_frequency_hz(*hz);
  }
  if (!raw.level.empty()) {
    auto db = to_in_range(raw.level, "tone --level", test_tone::kMinGainDb, test_tone::kMaxGainDb, "dBFS");
    if (!db) return db.error();
    tone->set_gain_db(*db);
  }
  if (!raw.seconds.empty()) {
    auto s = to_in_range(raw.seconds, "tone --seconds", test_tone::kMinSeconds, test_tone::kMaxSeconds, "s");
    if (!s) return s.error();
    tone->set_duration_seconds(*s);
  }
  return std::string{"mixer"};
}

// A subcommand's builder (see build_top() and the others above).
using CommandBuilder = caf::expected<std::string> (*)(const std::string& name, const Raw& raw, Request& req);

caf::expected<std::string> build_command(const std::string& name, const Raw& raw, Request& req) {
  static const std::map<std::string, CommandBuilder> kBuilders{
      {"top", build_top},       {"doctor", build_doctor},     {"stall", build_stall},
      {"nodes", build_nodes},   {"status", build_status},     {"tempo", build_tempo},
      {"method", build_method}, {"movement", build_movement}, {"load", build_load},
      {"cue", build_cue},       {"play", build_play_stop},    {"stop", build_play_stop},
      {"start", build_start},   {"gain", build_gain_master},  {"master", build_gain_master},
      {"seek", build_seek},     {"loop", build_loop},         {"eq", build_eq},
      {"filter", build_filter}, {"tone", build_tone},
      {"cue-section", build_cue_section}, {"next-section", build_next_section},
  };
  if (is_stream_subcommand(name)) return build_stream_command(name, raw.stream, req);
  const auto it = kBuilders.find(name);
  if (it == kBuilders.end()) return make_error(errc::internal, "subcommand '" + name + "' has no command builder");
  return it->second(name, raw, req);
}

}  // namespace

caf::expected<std::string> CommandLine::events_endpoint_for(const std::string& control_endpoint) {
  const auto colon = control_endpoint.rfind(':');
  const bool tcp = starts_with(control_endpoint, "tcp://");
  if (tcp && colon != std::string::npos && colon > 6) {
    const std::string port = control_endpoint.substr(colon + 1);
    auto number = to_integer(port, "port", 1, 65534, "");
    if (number) return control_endpoint.substr(0, colon + 1) + std::to_string(*number + 1);
  }
  return out_of_range("cannot derive the events endpoint from '" + control_endpoint +
                      "' (give --events tcp://HOST:PORT)");
}

namespace {

void add_global_options(CLI::App& app, Raw& raw) {
  app.add_option("--connect", raw.connect, "Control (ROUTER) endpoint of the node to talk to")
      ->type_name("ENDPOINT")
      ->capture_default_str();
  app.add_option("--to", raw.to,
                 "Target node name; '*' = every node (one reply per node); default: the "
                 "node reached")
      ->type_name("NODE");
  app.add_flag("--json", raw.json, "Print replies as JSON (proto field names)");
  app.add_option("--timeout", raw.timeout_ms,
                 "Reply timeout in ms (default 1000; load 30000; start: its --timeout + 1000)")
      ->type_name("MS");
  app.add_option("--events", raw.events, "Events (PUB) endpoint for watch (default: port + 1)")->type_name("ENDPOINT");
  app.add_option("--key", raw.key,
                 "CURVE key file of this operator (default: $CROWDMESH_KEY, then ~/.config/crowdmesh/operator.key)")
      ->type_name("FILE");
  app.add_option("--server-key", raw.server_key, "CURVE public key of the node reached (40 Z85 characters)")
      ->type_name("KEY");
  app.add_option("--config", raw.config,
                 "Mesh config: the node's public key is looked up by --connect, and whether the mesh uses CURVE")
      ->type_name("FILE");
}

// The mixer, tempo and test-tone commands.
void add_mix_subcommands(CLI::App& app, Raw& raw) {
  app.add_subcommand("nodes", "Who is in the mesh: alive, roles, clock offset, last heartbeat");
  app.add_subcommand("status", "Whole-node status: device, master, decks, tempo");
  auto* tempo = app.add_subcommand("tempo", "Show the mesh tempo (movement, target, current, ramp), or set it");
  tempo->add_option("BPM", raw.bpm, "Set the tempo to this BPM (20-300); immediate unless --ramp");
  add_ramp(tempo, raw);
  auto* method =
      app.add_subcommand("method", "How DECK follows the tempo: playback_rate (pitch follows) or soundtouch");
  add_deck(method, raw);
  method->add_option("METHOD", raw.state, "playback_rate or soundtouch")->required();
  auto* movement = app.add_subcommand("movement", "Report a movement level as the detector would (0..1)");
  movement->add_option("VALUE", raw.seconds, "Movement level; above 1 is clamped")->required();
  auto* load = app.add_subcommand("load", "Load FILE into a buffer of DECK (replies when ready)");
  add_deck(load, raw);
  load->add_option("FILE", raw.file,
                   "Audio file; a relative path is resolved by the node (against its working directory)")
      ->required();
  load->add_option("--buffer", raw.buffer, "Buffer id on the deck (default 1)")->type_name("ID");
  load->add_flag("--loop", raw.loop, "Loop the buffer at its end");
  load->add_option("--bpm", raw.bpm, "Native tempo of the track (BPM)")->type_name("N");
  auto* cue = app.add_subcommand("cue", "Stop DECK and move it to a cue point (default 0 s)");
  add_deck(cue, raw);
  cue->add_option("SECONDS", raw.seconds, "Cue point in seconds");
  auto* cue_section = app.add_subcommand(
      "cue-section", "Load the track of STRUCT (a struct JSON) into DECK at section N's begin cue and play it");
  add_deck(cue_section, raw);
  cue_section->add_option("STRUCT", raw.file, "Struct JSON; a relative path is resolved by the node")->required();
  cue_section->add_option("N", raw.section, "Section number after the intro, from 1")->required();
  cue_section->add_flag("--loop", raw.loop, "Loop the section (default: play on past its end)");
  cue_section->add_option("--buffer", raw.buffer, "Buffer id on the deck (default 1)")->type_name("ID");
  auto* cue_at = cue_section->add_option("--at", raw.at, "Mesh time to start the section at (ns), the same in every room")
                     ->type_name("MESH_TIME_NS");
  cue_section
      ->add_option("--in", raw.in,
                   "Start the section this many seconds from the node's mesh time now (with --to '*': every room on "
                   "the same frame; leave time for the load)")
      ->type_name("SECONDS")
      ->excludes(cue_at);
  add_deck(app.add_subcommand("next-section", "Switch DECK to the next section on a downbeat (after cue-section)"),
           raw);
  add_deck(app.add_subcommand("play", "Play every buffer of DECK"), raw);
  add_deck(app.add_subcommand("stop", "Stop DECK, keeping positions"), raw);
  auto* start = app.add_subcommand("start", "Start decks together, never a deck not ready");
  start->add_option("DECK", raw.decks, "Decks to start")->required()->expected(1, 4);
  auto* at = start->add_option("--at", raw.at, "Mesh time to start at (ns)")->type_name("MESH_TIME_NS");
  start->add_option("--in", raw.in, "Start this many seconds from the node's mesh time now")
      ->type_name("SECONDS")
      ->excludes(at);
  start->add_option("--timeout", raw.ready_timeout, "How long the mixer waits for decks still loading (s, default 5)")
      ->type_name("S");
  auto* gain = app.add_subcommand("gain", "Set the fader of DECK (dB; -inf = silence)");
  add_deck(gain, raw);
  gain->add_option("DB", raw.db, "Gain in dB, -96 to +12, or -inf")->required();
  add_ramp(gain, raw);
  auto* master = app.add_subcommand("master", "Set the master gain (dB; -inf = silence)");
  master->add_option("DB", raw.db, "Gain in dB, -96 to +12, or -inf")->required();
  add_ramp(master, raw);
  auto* seek = app.add_subcommand("seek", "Move the play position of DECK");
  add_deck(seek, raw);
  seek->add_option("SECONDS", raw.seconds, "Position in seconds")->required();
  seek->add_option("--buffer", raw.buffer, "Only this buffer (default: every buffer)")->type_name("ID");
  auto* loop = app.add_subcommand("loop", "Switch looping of DECK (every buffer, or one with --buffer) on or off");
  add_deck(loop, raw);
  loop->add_option("STATE", raw.state, "on or off")->required();
  loop->add_option("--buffer", raw.buffer, "Only this buffer (default: every buffer)")->type_name("ID");
  auto* eq = app.add_subcommand("eq", "Set the 3-band EQ of DECK (dB, -inf = kill, max +6)");
  add_deck(eq, raw);
  eq->add_option("LOW", raw.low, "Low band gain in dB")->required();
  eq->add_option("MID", raw.mid, "Mid band gain in dB")->required();
  eq->add_option("HIGH", raw.high, "High band gain in dB")->required();
  auto* filter =
      app.add_subcommand("filter", "Turn the DJ filter knob of DECK: -1 low-pass ... 0 off ... +1 high-pass");
  add_deck(filter, raw);
  filter->add_option("AMOUNT", raw.amount, "-1 (low-pass at 100 Hz) to 0 (off) to +1 (high-pass at 10 kHz)")
      ->required();
  auto* tone = app.add_subcommand("tone", "Play a sine test tone on the master bus (checks speakers and levels)");
  tone->add_option("HZ", raw.hz, "Frequency, 20..20000 Hz (default 440)");
  tone->add_option("--level", raw.level, "Peak level, -96..0 dBFS (default -20)")->type_name("DBFS");
  tone->add_option("--seconds", raw.seconds, "Length, 0.05..600 s (default 2)")->type_name("S");
}

// The live view, diagnostics and the event watcher.
void add_tool_subcommands(CLI::App& app, Raw& raw) {
  auto* top = app.add_subcommand("top", "Show the whole mesh live: devices, decks, tempo, encoders, links, process");
  top->add_flag("--once", raw.once, "Print one snapshot and exit (with --json: one JSON document)");
  top->add_option("--interval", raw.interval_ms, "Refresh period, ms (50..5000, default 250)")->type_name("MS");
  auto* doctor = app.add_subcommand("doctor", "Diagnose a node: devices, rates, busy, buffer size advice, links");
  doctor->add_option("--periods", raw.periods, "Period sizes to measure, frames (default 128,256,512)")
      ->type_name("LIST");
  doctor->add_option("--seconds", raw.seconds, "Seconds of measurement per period size (default 1)")->type_name("S");
  doctor->add_option("--device", raw.device, "Device to measure: index or name (default: the default output)");
  doctor->add_option("--probes", raw.probes, "Round trips per link for the link check (default 100; 0 = skip)")
      ->type_name("N");
  auto* keygen = app.add_subcommand("keygen", "Make a CURVE key pair (operator or node), write it 0600, print the public key");
  keygen->add_option("--out", raw.out, "Key file to write (default ~/.config/crowdmesh/operator.key; never overwritten)")
      ->type_name("FILE");
  keygen->add_option("--name", raw.name, "Who holds the key (operator or node name), for the file and the snippet")
      ->type_name("NAME");
  auto* sections = app.add_subcommand(
      "sections", "Export song sections from struct JSONs: parts at a target BPM, a CSV, a Rekordbox XML (local)");
  sections->add_option("STRUCT_DIR", raw.struct_dir, "Folder of struct JSON files (docs/STRUCTURE.md)")->required();
  sections->add_option("--out", raw.out, "Output folder for the parts, sections.csv and sections.xml")->required();
  sections->add_option("--bpm", raw.bpm, "Keep tracks within --delta of this BPM; also the default target")
      ->type_name("BPM");
  sections->add_option("--delta", raw.delta, "BPM tolerance around --bpm (default 2)")->type_name("BPM");
  sections->add_option("--bpm-min", raw.bpm_min, "Lowest BPM kept (overrides --bpm/--delta)")->type_name("BPM");
  sections->add_option("--bpm-max", raw.bpm_max, "Highest BPM kept (overrides --bpm/--delta)")->type_name("BPM");
  sections->add_option("--key", raw.keys, "Keys kept, comma-separated (e.g. Gm,Cm; any case)")->type_name("KEYS");
  sections->add_option("--target-bpm", raw.target_bpm, "Tempo of the parts (default --bpm, else each track's own)")
      ->type_name("BPM");
  sections->add_option("--n-sections", raw.n_sections, "Parts end with this section after the intro (default 6)")
      ->type_name("N");
  sections->add_option("--format", raw.format, "wav (16-bit, default), wav24, wavf, flac, flac24");
  sections->add_option("--rate", raw.rate, "Output rate in Hz (default: each file's own)")->type_name("HZ");
  sections->add_option("--audio-dir", raw.audio_dir, "Where the audio files are when a JSON's path is not found")
      ->type_name("DIR");
  sections->add_option("--rekordbox", raw.rekordbox, "Rekordbox XML collection: its BPM and keys override the JSONs'")
      ->type_name("FILE");
  sections->add_flag("--no-orig", raw.no_orig, "Do not write the original-speed cuts to OUT/orig/");
  auto* stall =
      app.add_subcommand("stall", "Diagnostics: block an actor (mixer) for MS ms, as an overloaded machine would");
  stall->add_option("ACTOR", raw.actor, "Actor to stall: mixer")->required();
  stall->add_option("MS", raw.ms, "Milliseconds (1..5000)")->required();
  auto* watch = app.add_subcommand("watch", "Print events and telemetry as JSON lines");
  watch->add_option("--topic", raw.topic, "Topic prefix, e.g. tele. or evt.room1.")->type_name("PREFIX");
  watch->add_option("--count", raw.count, "Stop after N envelopes (default: until Ctrl-C)")->type_name("N");
}

caf::expected<void> finish_watch(const Raw& raw, Request& req) {
  req.kind = Request::Kind::watch;
  req.topic_prefix = raw.topic;
  if (!raw.count.empty()) {
    auto n = to_integer(raw.count, "--count", 0, std::numeric_limits<std::int64_t>::max(), "");
    if (!n) return n.error();
    req.watch_count = static_cast<std::uint64_t>(*n);
  }
  if (!raw.events.empty()) {
    req.events_endpoint = raw.events;
  } else {
    auto events = CommandLine::events_endpoint_for(raw.connect);
    if (!events) return events.error();
    req.events_endpoint = *events;
  }
  return {};
}

// `sections`: the options as numbers, each checked with its name and range.
caf::expected<void> finish_sections(const Raw& raw, SectionsOptions& s) {
  s.struct_dir = raw.struct_dir;
  s.out_dir = raw.out;
  s.audio_dir = raw.audio_dir;
  s.rekordbox_in = raw.rekordbox;
  s.orig_parts = !raw.no_orig;
  auto real = [](const std::string& text, const char* what, std::optional<double>& into) -> caf::expected<void> {
    if (text.empty()) return caf::unit;
    auto v = to_double(text, what);
    if (!v) return v.error();
    into = *v;
    return caf::unit;
  };
  std::optional<double> delta;
  for (auto [text, what, into] : {std::tuple<const std::string&, const char*, std::optional<double>*>{
                                      raw.bpm, "--bpm", &s.filter.bpm},
                                  {raw.bpm_min, "--bpm-min", &s.filter.bpm_min},
                                  {raw.bpm_max, "--bpm-max", &s.filter.bpm_max},
                                  {raw.target_bpm, "--target-bpm", &s.target_bpm},
                                  {raw.delta, "--delta", &delta}})
    if (auto ok = real(text, what, *into); !ok) return ok.error();
  if (delta) s.filter.delta = *delta;
  s.filter.keys = structure::parse_key_list(raw.keys);
  if (!raw.n_sections.empty()) {
    auto n = to_integer(raw.n_sections, "--n-sections", 1, 1000, "");
    if (!n) return n.error();
    s.n_sections = static_cast<int>(*n);
  }
  if (!raw.rate.empty()) {
    auto r = to_integer(raw.rate, "--rate", 8000, 384000, "Hz");
    if (!r) return r.error();
    s.rate_hz = static_cast<int>(*r);
  }
  if (!raw.format.empty()) {
    auto f = structure::parse_part_format(raw.format);
    if (!f) return f.error();
    s.format = *f;
  }
  return {};
}

// The request kind of top/doctor and the reply timeouts that depend on the command.
caf::expected<void> finish_kind_and_timeout(const Raw& raw, Request& req) {
  if (req.command == "top") {
    req.kind = Request::Kind::top;
    req.top_once = raw.once;
    if (!raw.interval_ms.empty()) {
      auto ms = to_integer(raw.interval_ms, "--interval", 50, 5000, "ms");
      if (!ms) return ms.error();
      req.top_interval = std::chrono::milliseconds{*ms};
    }
  }
  if (req.command == "doctor") {
    req.kind = Request::Kind::doctor;
    if (!raw.probes.empty()) {
      auto n = to_integer(raw.probes, "--probes", 0, 10000, "");
      if (!n) return n.error();
      req.doctor_probes = static_cast<int>(*n);
    }
    if (raw.timeout_ms.empty()) {
      const auto& d = req.envelope.command().run_doctor();
      const int periods = d.period_frames_size() > 0 ? d.period_frames_size() : 3;
      const double each = d.seconds_per_period() > 0 ? d.seconds_per_period() : 1.0;
      req.timeout = std::chrono::milliseconds{static_cast<std::int64_t>(periods * (each + 1.0) * 1000) + 5000};
    }
  }
  if (req.command == "stall" && raw.timeout_ms.empty())
    req.timeout = std::chrono::milliseconds{req.envelope.command().stall().duration_ms() + 3000};
  if (raw.timeout_ms.empty()) {
    if (req.command == "load" || req.command == "cue-section" || req.command == "next-section")
      req.timeout = std::chrono::milliseconds{CommandLine::kDefaultLoadTimeoutMs};
    if (req.command == "start") {
      const double ready = req.envelope.command().start_together().ready_timeout_seconds();
      req.timeout =
          std::chrono::milliseconds{static_cast<std::int64_t>(std::ceil(ready * 1000.0)) + kDefaultTimeout.count()};
    }
  }
  return {};
}

}  // namespace

caf::expected<Request> CommandLine::parse(const std::vector<std::string>& args, const std::string& source,
                                          std::uint64_t correlation_id) {
  Raw raw;
  CLI::App app{
      "Send commands to a Crowdmesh node (its gateway forwards them to the target "
      "node) and print the replies.\nExit status: 0 ok, 1 error reply, 2 usage, 3 "
      "timeout.",
      "control_node"};
  app.set_version_flag("--version", std::string{"control_node "} + CROWDMESH_VERSION);
  app.fallthrough();
  app.require_subcommand(1);
  add_global_options(app, raw);
  add_mix_subcommands(app, raw);
  add_tool_subcommands(app, raw);
  add_stream_subcommands(app, raw.stream);

  std::vector<std::string> reversed = protect_negative_words(args);
  std::reverse(reversed.begin(), reversed.end());
  try {
    app.parse(reversed);
  } catch (const CLI::Success& done) {
    std::ostringstream out, err;
    app.exit(done, out, err);
    Request req;
    req.kind = Request::Kind::message;
    req.text = out.str();
    return req;
  } catch (const CLI::ParseError& e) {
    return out_of_range(std::string{e.what()} + " (see control_node --help)");
  }

  Request req;
  req.command = app.get_subcommands().front()->get_name();
  req.connect_endpoint = raw.connect;
  req.json = raw.json;
  req.target_node = raw.to;
  if (raw.to.find('/') != std::string::npos)
    return out_of_range("--to '" + raw.to + "' must be a node name without '/' (or '*')");
  if (!raw.timeout_ms.empty()) {
    auto ms = to_integer(raw.timeout_ms, "--timeout", 1, kMaxTimeoutMs, "ms");
    if (!ms) return ms.error();
    req.timeout = std::chrono::milliseconds{*ms};
  }
  req.key_file = raw.key;
  req.server_key = raw.server_key;
  req.config_path = raw.config;
  if (req.command == "sections") {
    req.kind = Request::Kind::sections;
    if (auto ok = finish_sections(raw, req.sections); !ok) return ok.error();
    return req;
  }
  if (req.command == "keygen") {
    req.kind = Request::Kind::keygen;
    req.keygen_out = raw.out;
    if (!raw.name.empty()) req.keygen_name = raw.name;
    return req;
  }

  if (req.command == "watch") {
    if (auto ok = finish_watch(raw, req); !ok) return ok.error();
    return req;
  }

  req.envelope.set_protocol_version(1);
  req.envelope.set_source(source);
  req.envelope.set_correlation_id(correlation_id);
  auto actor = build_command(req.command, raw, req);
  if (!actor) return actor.error();
  req.envelope.set_target(req.target_node + "/" + *actor);
  if (auto ok = finish_kind_and_timeout(raw, req); !ok) return ok.error();
  return req;
}

}  // namespace crowdmesh::control
