#include "osc/osc_mapping.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>

#include "common/deck.hpp"
#include "common/schedule_range.hpp"
#include "common/test_tone_range.hpp"
#include "common/error.hpp"

namespace crowdmesh::osc {
namespace {

using crowdmesh::v1::Command;
using crowdmesh::v1::Deck;
using crowdmesh::v1::EqBand;
using Args = std::vector<OscArg>;
using Mapped = caf::expected<MappedMessage>;

// Original buffer-id ranges per deck (audio_server.py `_deck_to_range`).
constexpr uint32_t kDeckBaseId[4] = {100, 1100, 2100, 3100};
constexpr uint32_t kDeckIdSpan = 1000;

bool is_number(const OscArg& a) { return a.type == 'i' || a.type == 'f' || a.type == 'd' || a.type == 'h'; }
bool is_text(const OscArg& a) { return a.type == 's' || a.type == 'S'; }

std::string format_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::string got_types(const Args& args) {
  std::string out = "(";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ", ";
    out += args[i].type;
  }
  return out + ")";
}

// kind: 'n' number, 's' string. `required` must all be present, `optional`
// may follow in order.
bool fits(const Args& args, const std::string& required, const std::string& optional) {
  if (args.size() < required.size() || args.size() > required.size() + optional.size()) return false;
  const std::string kinds = required + optional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (kinds[i] == 'n' ? !is_number(args[i]) : !is_text(args[i])) return false;
  }
  return true;
}

caf::error bad_signature(const std::string& address, const std::string& signature, const Args& args) {
  return make_error(errc::value_out_of_range, address + " expects " + signature + ", got " + got_types(args));
}

caf::expected<double> finite(const std::string& address, const char* what, double v) {
  if (!std::isfinite(v)) {
    return make_error(errc::value_out_of_range,
                      address + ": " + what + " must be a finite number, got " + format_number(v));
  }
  return v;
}

caf::expected<double> non_negative(const std::string& address, const char* what, double v) {
  auto f = finite(address, what, v);
  if (!f) return f;
  if (v < 0.0) {
    return make_error(errc::value_out_of_range,
                      address + ": " + what + " " + format_number(v) + " is negative (allowed: 0 or more)");
  }
  return v;
}

caf::expected<double> whole(const std::string& address, const char* what, double v) {
  auto f = finite(address, what, v);
  if (!f) return f;
  if (std::floor(v) != v) {
    return make_error(errc::value_out_of_range,
                      address + ": " + what + " must be a whole number, got " + format_number(v));
  }
  return v;
}

Deck wire(DeckId d) { return static_cast<Deck>(index_of(d) + 1); }

caf::expected<DeckId> deck_arg(const std::string& address, const std::string& text) {
  std::string trimmed = text;
  trimmed.erase(0, trimmed.find_first_not_of(" \t"));
  trimmed.erase(trimmed.find_last_not_of(" \t") + 1);
  if (auto d = parse_deck(trimmed)) return *d;
  return make_error(errc::unknown_deck, address + ": unknown deck '" + text + "' (expected A, B, C or D)");
}

caf::expected<EqBand> band_arg(const std::string& address, const std::string& text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "low") return crowdmesh::v1::EQ_BAND_LOW;
  if (lower == "mid") return crowdmesh::v1::EQ_BAND_MID;
  if (lower == "high") return crowdmesh::v1::EQ_BAND_HIGH;
  return make_error(errc::value_out_of_range, address + ": unknown EQ band '" + text + "' (expected low, mid or high)");
}

struct BufferSlot {
  Deck deck;
  uint32_t id;
};

caf::expected<BufferSlot> buffer_arg(const std::string& address, double v) {
  auto w = whole(address, "buffer id", v);
  if (!w) return w.error();
  for (int d = 0; d < kDeckCount; ++d) {
    if (v >= kDeckBaseId[d] && v < kDeckBaseId[d] + kDeckIdSpan) {
      return BufferSlot{static_cast<Deck>(d + 1), static_cast<uint32_t>(v)};
    }
  }
  return make_error(errc::value_out_of_range,
                    address + ": buffer id " + format_number(v) +
                        " is outside every deck range (A 100–1099, B 1100–2099, C 2100–3099, D 3100–4099)");
}

// Linear amplitude (original volume/level scale, 1.0 = unity) → dB.
caf::expected<double> linear_to_db(const std::string& address, const char* what, double v) {
  auto n = non_negative(address, what, v);
  if (!n) return n;
  return v > 0.0 ? std::max(20.0 * std::log10(v), kSilenceGainDb) : kSilenceGainDb;
}

// Original DJ EQ knob (audio_server.py `_cut_only_gain_from_percent`, max cut
// 24 dB): 0 % = kill, (0, 50) % = (p/50 − 1)·24 dB, 50..100 % = flat (no boost).
caf::expected<double> eq_percent_to_db(const std::string& address, const char* what, double p) {
  auto f = finite(address, what, p);
  if (!f) return f;
  if (p < 0.0 || p > 100.0) {
    return make_error(errc::value_out_of_range,
                      address + ": " + what + " " + format_number(p) + " % is outside 0..100 %");
  }
  if (p <= 0.0) return kEqKillDb;
  if (p >= 50.0) return 0.0;
  return (p / 50.0 - 1.0) * kEqMaxCutDb;
}

// Original /deck_filter value: a linear band gain (0..1 typical) → dB; 0 = kill.
caf::expected<double> band_gain_to_db(const std::string& address, double v) {
  auto n = non_negative(address, "band gain", v);
  if (!n) return n;
  return v > 0.0 ? std::max(20.0 * std::log10(v), kEqKillDb) : kEqKillDb;
}

// A start-time argument as a delay from now, s: finite; a past time
// (negative) starts now, as in the original; one beyond what the router
// holds is refused, naming it.
caf::expected<double> start_time(const std::string& address, double v) {
  auto f = finite(address, "start time", v);
  if (!f) return f;
  if (v > schedule::kMaxAheadSeconds)
    return make_error(errc::value_out_of_range,
                      address + ": start time " + format_number(v) + " s is out of range (allowed: up to " +
                          format_number(schedule::kMaxAheadSeconds) + " s ahead; a past time starts now)");
  return std::max(0.0, v);
}

MappedMessage message(const char* actor) {
  MappedMessage m;
  m.actor = actor;
  return m;
}

Command load_buffer(Deck deck, uint32_t id, const std::string& path) {
  Command c;
  auto* lb = c.mutable_load_buffer();
  lb->set_deck(deck);
  lb->set_buffer_id(id);
  lb->set_path(path);
  lb->set_loop(true);  // the original's players loop unless told otherwise
  return c;
}

caf::error empty_path(const std::string& address) {
  return make_error(errc::value_out_of_range, address + ": path is empty");
}

// ---- one function per address ------------------------------------------

Mapped map_load_buffer(const std::string& a, const Args& args) {
  auto slot = buffer_arg(a, args[0].number);
  if (!slot) return slot.error();
  if (args[1].text.empty()) return empty_path(a);
  auto m = message("mixer");
  m.command = load_buffer(slot->deck, slot->id, args[1].text);
  return m;  // args[2] (stem name) is informational only in the original
}

Mapped map_play_stem(const std::string& a, const Args& args) {
  auto slot = buffer_arg(a, args[0].number);
  if (!slot) return slot.error();
  auto m = message("mixer");
  if (args.size() > 1) {
    auto rate = finite(a, "rate", args[1].number);
    if (!rate) return rate.error();
    if (*rate != 1.0) {
      return make_error(errc::value_out_of_range,
                        a + ": rate " + format_number(*rate) +
                            " is not supported (only 1.0): the tempo is mesh-wide, use /set_tempo");
    }
  }
  if (args.size() > 2) {
    auto db = linear_to_db(a, "volume", args[2].number);
    if (!db) return db.error();
    Command gain;
    auto* sg = gain.mutable_set_gain();
    sg->mutable_target()->mutable_buffer()->set_deck(slot->deck);
    sg->mutable_target()->mutable_buffer()->set_buffer_id(slot->id);
    sg->set_gain_db(*db);
    m.prelude.push_back(std::move(gain));
  }
  if (args.size() > 3) {
    auto loop = finite(a, "loop", args[3].number);
    if (!loop) return loop.error();
    Command set_loop;
    auto* sl = set_loop.mutable_set_loop();
    sl->set_deck(slot->deck);
    sl->set_buffer_id(slot->id);
    sl->set_loop(*loop != 0.0);
    m.prelude.push_back(std::move(set_loop));
  }
  double start = 0.0;  // the original always (re)starts at start_pos, default 0
  if (args.size() > 4) {
    auto s = non_negative(a, "start position", args[4].number);
    if (!s) return s.error();
    start = *s;
  }
  auto* pb = m.command.mutable_play_buffer();
  pb->set_deck(slot->deck);
  pb->set_buffer_id(slot->id);
  pb->set_start_seconds(start);
  return m;
}

Mapped map_stop_stem(const std::string& a, const Args& args) {
  auto slot = buffer_arg(a, args[0].number);
  if (!slot) return slot.error();
  auto m = message("mixer");
  m.command.mutable_stop_buffer()->set_deck(slot->deck);
  m.command.mutable_stop_buffer()->set_buffer_id(slot->id);
  return m;
}

Mapped map_stem_volume(const std::string& a, const Args& args) {
  auto slot = buffer_arg(a, args[0].number);
  if (!slot) return slot.error();
  auto db = linear_to_db(a, "volume", args[1].number);
  if (!db) return db.error();
  auto m = message("mixer");
  auto* sg = m.command.mutable_set_gain();
  sg->mutable_target()->mutable_buffer()->set_deck(slot->deck);
  sg->mutable_target()->mutable_buffer()->set_buffer_id(slot->id);
  sg->set_gain_db(*db);
  return m;
}

Mapped map_levels(const std::string& a, const Args& args) {
  static const char* kWhat[4] = {"deck A level", "deck B level", "deck C level", "deck D level"};
  auto m = message("mixer");
  auto* dl = m.command.mutable_set_deck_levels();
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto db = linear_to_db(a, kWhat[i], args[i].number);
    if (!db) return db.error();
    auto* level = dl->add_levels();
    level->set_deck(static_cast<Deck>(i + 1));
    level->set_gain_db(*db);
  }
  return m;
}

// (s deck, s band, f value) → SetEq, the value converted to dB by `to_db`.
template <class ToDb>
Mapped map_band_gain(const std::string& a, const Args& args, ToDb to_db) {
  auto deck = deck_arg(a, args[0].text);
  if (!deck) return deck.error();
  auto band = band_arg(a, args[1].text);
  if (!band) return band.error();
  auto db = to_db(args[2].number);
  if (!db) return db.error();
  auto m = message("mixer");
  auto* eq = m.command.mutable_set_eq();
  eq->set_deck(wire(*deck));
  eq->set_band(*band);
  eq->set_gain_db(*db);
  return m;
}

Mapped map_deck_filter(const std::string& a, const Args& args) {
  return map_band_gain(a, args, [&](double v) { return band_gain_to_db(a, v); });
}

Mapped map_deck_eq(const std::string& a, const Args& args) {
  return map_band_gain(a, args, [&](double v) { return eq_percent_to_db(a, "percent", v); });
}

Mapped map_deck_eq_all(const std::string& a, const Args& args) {
  auto deck = deck_arg(a, args[0].text);
  if (!deck) return deck.error();
  auto low = eq_percent_to_db(a, "low percent", args[1].number);
  if (!low) return low.error();
  auto mid = eq_percent_to_db(a, "mid percent", args[2].number);
  if (!mid) return mid.error();
  auto high = eq_percent_to_db(a, "high percent", args[3].number);
  if (!high) return high.error();
  auto m = message("mixer");
  auto* eq = m.command.mutable_set_eq_all();
  eq->set_deck(wire(*deck));
  eq->set_low_gain_db(*low);
  eq->set_mid_gain_db(*mid);
  eq->set_high_gain_db(*high);
  return m;
}

Mapped map_get_status(const std::string&, const Args&) {
  auto m = message("node");
  m.command.mutable_get_status();
  return m;
}

Mapped map_test_tone(const std::string& a, const Args& args) {
  double hz = test_tone::kDefaultHz;
  if (!args.empty()) {
    auto f = finite(a, "frequency", args[0].number);
    if (!f) return f.error();
    if (*f < test_tone::kMinHz || *f > test_tone::kMaxHz) {
      return make_error(errc::value_out_of_range, a + ": frequency " + format_number(*f) + " Hz is outside " +
                                                      format_number(test_tone::kMinHz) + ".." +
                                                      format_number(test_tone::kMaxHz) + " Hz");
    }
    hz = *f;
  }
  auto m = message("mixer");
  auto* tt = m.command.mutable_test_tone();
  tt->set_frequency_hz(hz);
  tt->set_gain_db(test_tone::kDefaultGainDb);
  tt->set_duration_seconds(test_tone::kDefaultSeconds);
  return m;
}

Mapped map_mixer_cleanup(const std::string&, const Args&) {
  auto m = message("mixer");
  m.command.mutable_reset()->set_unload_buffers(true);
  return m;
}

// The original server's /reset moves the origin of its relative clock (t0).
// Its start times (/play, /fade, /start_group) are computed as (now - t0) +
// start and waited for against now - t0, so t0 cancels: they are delays from
// the message's arrival there as here, and /reset changes nothing audible.
// Answered with the node's status, changing nothing.
Mapped map_reset(const std::string&, const Args&) {
  auto m = message("node");
  m.command.mutable_get_status();
  return m;
}

Mapped map_set_tempo(const std::string& a, const Args& args) {
  auto bpm = finite(a, "tempo", args[0].number);
  if (!bpm) return bpm.error();
  if (*bpm <= 0.0) {
    return make_error(errc::value_out_of_range, a + ": tempo " + format_number(*bpm) + " BPM must be greater than 0");
  }
  auto m = message("tempo");
  m.command.mutable_set_tempo()->set_target_bpm(*bpm);
  return m;
}

Mapped map_movement(const std::string& a, const Args& args, crowdmesh::v1::ReportMovement::Channel channel) {
  const bool persons = channel == crowdmesh::v1::ReportMovement::CHANNEL_PERSON_COUNT;
  auto v = persons ? whole(a, "person count", args[0].number) : finite(a, "movement", args[0].number);
  if (!v) return v.error();
  auto n = non_negative(a, persons ? "person count" : "movement", *v);
  if (!n) return n.error();
  auto m = message("tempo");
  m.command.mutable_report_movement()->set_channel(channel);
  m.command.mutable_report_movement()->set_value(*n);
  return m;
}

Mapped map_play(const std::string& a, const Args& args) {
  auto deck = deck_arg(a, args[0].text);
  if (!deck) return deck.error();
  if (args[1].text.empty()) return empty_path(a);
  auto delay = start_time(a, args[2].number);
  if (!delay) return delay.error();
  auto m = message("mixer");
  m.prelude.push_back(load_buffer(wire(*deck), kDeckBaseId[index_of(*deck)], args[1].text));
  m.command.mutable_play_deck()->set_deck(wire(*deck));
  m.delay_seconds = *delay;
  return m;
}

Mapped map_fade(const std::string& a, const Args& args) {
  auto deck = deck_arg(a, args[0].text);
  if (!deck) return deck.error();
  auto delay = start_time(a, args[1].number);
  if (!delay) return delay.error();
  double duration = kFadeDefaultSeconds;
  if (args.size() > 2) {
    auto d = non_negative(a, "duration", args[2].number);
    if (!d) return d.error();
    duration = *d;
  }
  auto m = message("mixer");
  auto* sg = m.command.mutable_set_gain();
  sg->mutable_target()->set_deck(wire(*deck));
  sg->set_gain_db(kSilenceGainDb);
  sg->set_ramp_seconds(duration);
  m.delay_seconds = *delay;
  return m;
}

Mapped map_cue(const std::string& a, const Args& args) {
  auto deck = deck_arg(a, args[0].text);
  if (!deck) return deck.error();
  if (args[1].text.empty()) return empty_path(a);
  double position = 0.0;
  if (args.size() > 2) {
    auto p = non_negative(a, "position", args[2].number);
    if (!p) return p.error();
    position = *p;
  }
  auto m = message("mixer");
  m.prelude.push_back(load_buffer(wire(*deck), kDeckBaseId[index_of(*deck)], args[1].text));
  m.command.mutable_cue_deck()->set_deck(wire(*deck));
  m.command.mutable_cue_deck()->set_position_seconds(position);
  return m;
}

// /play_stem_section (s deck, s struct_path, i section[, i loop]): the deck's
// first buffer of the original's range plays section N of the struct JSON.
Mapped map_play_stem_section(const std::string& a, const Args& args) {
  auto deck = deck_arg(a, args[0].text);
  if (!deck) return deck.error();
  if (args[1].text.empty()) return empty_path(a);
  auto n = finite(a, "section", args[2].number);
  if (!n) return n.error();
  if (*n < 1 || *n > 1e6 || std::floor(*n) != *n)
    return make_error(errc::value_out_of_range,
                      a + ": section " + format_number(*n) + " is out of range (allowed: a whole number from 1)");
  bool loop = false;
  if (args.size() > 3) {
    auto l = finite(a, "loop", args[3].number);
    if (!l) return l.error();
    loop = *l != 0.0;
  }
  auto m = message("mixer");
  auto* cs = m.command.mutable_cue_section();
  cs->set_deck(wire(*deck));
  cs->set_struct_path(args[1].text);
  cs->set_section(static_cast<std::uint32_t>(*n));
  cs->set_loop(loop);
  cs->set_buffer_id(kDeckBaseId[index_of(*deck)]);
  return m;
}

// /next_section (s deck): the deck's next section on the next downbeat.
Mapped map_next_section(const std::string& a, const Args& args) {
  auto deck = deck_arg(a, args[0].text);
  if (!deck) return deck.error();
  auto m = message("mixer");
  m.command.mutable_next_section()->set_deck(wire(*deck));
  return m;
}

// A string that is a number literal ("2.5") counts as the delay, as in
// the original (Python float() on every argument).
std::optional<double> numeric_text(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') return std::nullopt;
  return v;
}

Mapped map_start_group(const std::string& a, const Args& args) {
  static const std::string kSignature = "(f start_seconds, s deck, ... in any order)";
  std::optional<double> delay;
  std::vector<DeckId> decks;
  for (const auto& arg : args) {
    std::optional<double> number;
    if (is_number(arg)) {
      number = arg.number;
    } else if (is_text(arg)) {
      number = numeric_text(arg.text);
    } else {
      return bad_signature(a, kSignature, args);
    }
    if (number) {
      if (delay) {
        return make_error(errc::value_out_of_range, a + ": more than one start time given (" + format_number(*delay) +
                                                        " and " + format_number(*number) + ")");
      }
      auto f = start_time(a, *number);
      if (!f) return f.error();
      delay = *f;
      continue;
    }
    auto deck = deck_arg(a, arg.text);
    if (!deck) return deck.error();
    if (std::find(decks.begin(), decks.end(), *deck) == decks.end()) decks.push_back(*deck);
  }
  if (!delay || decks.empty()) return bad_signature(a, kSignature, args);
  auto m = message("mixer");
  auto* st = m.command.mutable_start_together();
  for (auto d : decks) st->add_decks(wire(d));
  st->set_ready_timeout_seconds(kStartGroupReadyTimeoutSeconds);
  m.delay_seconds = *delay;
  return m;
}

struct Route {
  std::string signature;  // shown in errors
  std::string required;   // 'n' number, 's' string
  std::string optional;
  bool variadic;  // the mapper checks the arguments itself
  std::function<Mapped(const std::string&, const Args&)> map;
};

Route fixed(std::string sig, std::string req, std::string opt,
            std::function<Mapped(const std::string&, const Args&)> fn) {
  return Route{std::move(sig), std::move(req), std::move(opt), false, std::move(fn)};
}

Route movement(crowdmesh::v1::ReportMovement::Channel ch, const char* sig) {
  return fixed(sig, "n", "", [ch](const std::string& a, const Args& args) { return map_movement(a, args, ch); });
}

const std::map<std::string, Route>& routes() {
  using RM = crowdmesh::v1::ReportMovement;
  static const std::map<std::string, Route> kRoutes = {
      {"/load_buffer", fixed("(i buffer_id, s path[, s name])", "ns", "s", map_load_buffer)},
      {"/play_stem", fixed("(i buffer_id[, f rate, f volume, i loop, f start_seconds])", "n", "nnnn", map_play_stem)},
      {"/stop_stem", fixed("(i buffer_id)", "n", "", map_stop_stem)},
      {"/stem_volume", fixed("(i buffer_id, f volume)", "nn", "", map_stem_volume)},
      {"/crossfade_levels", fixed("(f level_a, f level_b)", "nn", "", map_levels)},
      {"/deck_levels", fixed("(f level_a[, f level_b, f level_c, f level_d])", "n", "nnn", map_levels)},
      {"/deck_filter", fixed("(s deck, s band, f linear_gain)", "ssn", "", map_deck_filter)},
      {"/deck_eq", fixed("(s deck, s band, f percent)", "ssn", "", map_deck_eq)},
      {"/deck_eq_all", fixed("(s deck, f low_percent, f mid_percent, f high_percent)", "snnn", "", map_deck_eq_all)},
      {"/get_status", fixed("()", "", "", map_get_status)},
      {"/test_tone", fixed("([f frequency_hz])", "", "n", map_test_tone)},
      {"/mixer_cleanup", fixed("()", "", "", map_mixer_cleanup)},
      {"/set_tempo", fixed("(f bpm)", "n", "", map_set_tempo)},
      {"/dance/total_movement", movement(RM::CHANNEL_TOTAL, "(f movement)")},
      {"/dance/arm_movement", movement(RM::CHANNEL_ARM, "(f movement)")},
      {"/dance/leg_movement", movement(RM::CHANNEL_LEG, "(f movement)")},
      {"/dance/head_movement", movement(RM::CHANNEL_HEAD, "(f movement)")},
      {"/dance/person_count", movement(RM::CHANNEL_PERSON_COUNT, "(i persons)")},
      {"/reset", fixed("()", "", "", map_reset)},
      {"/play", fixed("(s deck, s path, f start_seconds)", "ssn", "", map_play)},
      {"/fade", fixed("(s deck, f start_seconds[, f duration_seconds])", "sn", "n", map_fade)},
      {"/cue", fixed("(s deck, s path[, f position_seconds])", "ss", "n", map_cue)},
      {"/play_stem_section",
       fixed("(s deck, s struct_path, i section[, i loop])", "ssn", "n", map_play_stem_section)},
      {"/next_section", fixed("(s deck)", "s", "", map_next_section)},
      {"/start_group", Route{"(f start_seconds, s deck, ... in any order)", "", "", true, map_start_group}},
  };
  return kRoutes;
}

}  // namespace

caf::expected<MappedMessage> map_osc(const std::string& address, const std::vector<OscArg>& args) {
  const auto& table = routes();
  auto it = table.find(address);
  if (it == table.end()) {
    return make_error(errc::value_out_of_range, "unknown OSC address '" + address + "'");
  }
  const Route& route = it->second;
  if (!route.variadic && !fits(args, route.required, route.optional)) {
    return bad_signature(address, route.signature, args);
  }
  return route.map(address, args);
}

}  // namespace crowdmesh::osc
