// Handlers of the deck commands: buffers, decks, gains, EQ, filter, stretch method and
// start together. Each checks what the wire can get wrong (deck numbers, enum
// values) and leaves value ranges to the mixer, which names them.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "caf/all.hpp"
#include "command_handlers.hpp"
#include "common/log.hpp"
#include "mixer/mixer_config.hpp"
#include "mixer/mixer_proto.hpp"
#include "stretch/stretch_method.hpp"

namespace crowdmesh::node {

namespace {

namespace v1 = crowdmesh::v1;

constexpr double kDefaultNativeBpm = 120;  // a load without native_bpm: the movement table's base tempo

std::optional<DeckId> deck_of(int wire) { return mixer::deck_from_wire(wire); }

void load_buffer(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().load_buffer();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  const auto wire = m.deck();
  const double native_bpm = m.has_native_bpm() ? m.native_bpm() : kDefaultNativeBpm;
  self->request(self->state.cfg.mixer, kActorTimeout, load_atom_v, *d, m.buffer_id(), m.path(), m.loop(), native_bpm)
      .then(
          [reply, wire](mixer::BufferStatus& b) {
            v1::Reply r = ok_message("buffer " + std::to_string(b.id) + " ready: " + b.info.path);
            auto* deck = r.mutable_ok()->mutable_deck();
            deck->set_deck(static_cast<v1::Deck>(wire));
            mixer::to_proto(b, *deck->add_buffers());
            reply(r);
          },
          reply_error(reply));
}

void unload_buffer(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().unload_buffer();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  self->request(self->state.cfg.mixer, kActorTimeout, unload_atom_v, *d, m.buffer_id())
      .then([reply](bool) { reply(ok_message("unloaded")); }, reply_error(reply));
}

void play_buffer(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().play_buffer();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  if (!m.has_start_seconds()) return deck_request(self, reply, play_atom_v, *d, m.buffer_id());
  // From a position (OSC /play_stem start_pos): move that buffer there, then play it.
  self->request(self->state.cfg.mixer, kActorTimeout, seek_atom_v, *d, m.buffer_id(), m.start_seconds())
      .then([self, reply, deck = *d,
             id = m.buffer_id()](mixer::DeckStatus&) { deck_request(self, reply, play_atom_v, deck, id); },
            reply_error(reply));
}

void stop_buffer(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().stop_buffer();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  deck_request(self, reply, stop_atom_v, *d, m.buffer_id());
}

void play_deck(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  auto d = deck_of(env.command().play_deck().deck());
  if (!d) return reply(unknown_deck(env.command().play_deck().deck()));
  deck_request(self, reply, play_atom_v, *d);
}

void stop_deck(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  auto d = deck_of(env.command().stop_deck().deck());
  if (!d) return reply(unknown_deck(env.command().stop_deck().deck()));
  deck_request(self, reply, stop_atom_v, *d);
}

// Cue: stop the deck and move it to the position (default 0), ready to play.
void cue_deck(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().cue_deck();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  const double pos = m.has_position_seconds() ? m.position_seconds() : 0.0;
  self->request(self->state.cfg.mixer, kActorTimeout, stop_atom_v, *d)
      .then([self, reply, deck = *d, pos](mixer::DeckStatus&) { deck_request(self, reply, seek_atom_v, deck, pos); },
            reply_error(reply));
}

// The one master-gain path (SetMasterGain).
void master_gain(RouterSelf self, const ReplyFn& reply, double gain_db, double ramp_seconds) {
  self->request(self->state.cfg.mixer, kActorTimeout, master_atom_v, gain_db, ramp_seconds)
      .then(
          [reply, ramp_seconds](double db) {
            reply(ok_message(ramp_seconds > 0 ? fmt::format("master gain {:.1f} dB over {:g} s", db, ramp_seconds)
                                              : fmt::format("master gain {:.1f} dB", db)));
          },
          reply_error(reply));
}

void set_gain(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().set_gain();
  switch (m.target().target_case()) {
    case v1::GainTarget::kBuffer: {
      auto d = deck_of(m.target().buffer().deck());
      if (!d) return reply(unknown_deck(m.target().buffer().deck()));
      return deck_request(self, reply, gain_atom_v, *d, m.target().buffer().buffer_id(), m.gain_db(), m.ramp_seconds());
    }
    default: {
      auto d = deck_of(m.target().deck());
      if (!d) return reply(unknown_deck(m.target().deck()));
      return deck_request(self, reply, gain_atom_v, *d, m.gain_db(), m.ramp_seconds());
    }
  }
}

void set_master_gain(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  master_gain(self, reply, env.command().set_master_gain().gain_db(), env.command().set_master_gain().ramp_seconds());
}

void set_mute(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().set_mute();
  auto d = deck_of(m.target().deck());
  if (m.target().target_case() != v1::GainTarget::kDeck || !d)
    return reply(out_of_range("mute takes a deck (A, B, C, D)"));
  deck_request(self, reply, mute_atom_v, *d, m.muted());
}

void set_loop(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().set_loop();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  if (m.has_buffer_id()) return deck_request(self, reply, loop_atom_v, *d, m.buffer_id(), m.loop());
  deck_request(self, reply, loop_atom_v, *d, m.loop());
}

void seek(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().seek();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  if (m.has_buffer_id()) return deck_request(self, reply, seek_atom_v, *d, m.buffer_id(), m.position_seconds());
  deck_request(self, reply, seek_atom_v, *d, m.position_seconds());
}

std::optional<dsp::EqBand> band_of(int wire) {
  switch (wire) {
    case v1::EQ_BAND_LOW: return dsp::EqBand::low;
    case v1::EQ_BAND_MID: return dsp::EqBand::mid;
    case v1::EQ_BAND_HIGH: return dsp::EqBand::high;
    default: return std::nullopt;
  }
}

void set_eq(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().set_eq();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  auto band = band_of(m.band());
  if (!band)
    return reply(out_of_range("EQ band " + std::to_string(m.band()) + " is unknown (allowed: low, mid, high)"));
  deck_request(self, reply, eq_atom_v, *d, *band, m.gain_db());
}

void set_eq_all(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().set_eq_all();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  const DeckId deck = *d;
  const double g[3] = {m.low_gain_db(), m.mid_gain_db(), m.high_gain_db()};
  const auto& mixer = self->state.cfg.mixer;
  self->request(mixer, kActorTimeout, eq_atom_v, deck, dsp::EqBand::low, g[0])
      .then(
          [=](mixer::DeckStatus&) {
            self->request(mixer, kActorTimeout, eq_atom_v, deck, dsp::EqBand::mid, g[1])
                .then([=](mixer::DeckStatus&) { deck_request(self, reply, eq_atom_v, deck, dsp::EqBand::high, g[2]); },
                      reply_error(reply));
          },
          reply_error(reply));
}

void set_filter(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().set_filter();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  deck_request(self, reply, filter_atom_v, *d, m.amount());
}

void set_stretch_method(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().set_stretch_method();
  auto d = deck_of(m.deck());
  if (!d) return reply(unknown_deck(m.deck()));
  if (m.method() != v1::STRETCH_METHOD_PLAYBACK_RATE && m.method() != v1::STRETCH_METHOD_SOUNDTOUCH)
    return reply(out_of_range("stretch method " + std::to_string(m.method()) +
                              " is unknown (allowed: playback_rate, soundtouch)"));
  deck_request(self, reply, method_atom_v, *d,
               m.method() == v1::STRETCH_METHOD_SOUNDTOUCH ? stretch::StretchMethod::soundtouch
                                                           : stretch::StretchMethod::playback_rate);
}

void start_together(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().start_together();
  std::vector<std::string> decks;
  for (int wd : m.decks()) {
    auto d = deck_of(wd);
    if (!d) return reply(unknown_deck(wd));
    decks.push_back(to_string(*d));
  }
  if (decks.empty()) return reply(out_of_range("start needs at least one deck"));
  const double ready_s = m.ready_timeout_seconds();
  // Checked here too (the mixer names the same range): the wait below is
  // built from it, and a NaN must not become "start at once".
  if (!(ready_s >= 0 && ready_s <= mixer::kMaxReadyTimeoutSeconds))
    return reply(out_of_range(fmt::format("ready timeout {:g} s is out of range (allowed: 0 to {:g} s)", ready_s,
                                          mixer::kMaxReadyTimeoutSeconds)));
  // With execute_at_ns the mixer starts the decks at the first frame whose PTS >= T.
  const std::int64_t at = env.has_execute_at_ns() ? env.execute_at_ns() : 0;
  const auto wait = kActorTimeout + std::chrono::seconds(static_cast<std::int64_t>(std::ceil(ready_s)));
  self->request(self->state.cfg.mixer, wait, start_atom_v, decks, ready_s, at)
      .then(
          [reply](mixer::StartReport& rep) {
            v1::Reply r;
            mixer::to_proto(rep, *r.mutable_ok()->mutable_start_together());
            const char* verb = rep.scheduled_at_ns > 0 ? "scheduled" : "started";
            r.mutable_ok()->set_message(std::string(verb) + (rep.not_ready.empty() ? "" : " what was ready"));
            reply(r);
          },
          reply_error(reply));
}

void set_deck_levels(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().set_deck_levels();
  if (m.levels().empty()) return reply(ok_message("no levels given"));
  std::vector<DeckId> decks;
  std::vector<double> gains_db;
  for (const auto& level : m.levels()) {
    auto d = deck_of(level.deck());
    if (!d) return reply(unknown_deck(level.deck()));
    decks.push_back(*d);
    gains_db.push_back(level.gain_db());
  }
  // One request: the mixer checks every level, then sets them in the same frame.
  deck_request(self, reply, levels_atom_v, std::move(decks), std::move(gains_db), m.ramp_seconds());
}

// Stops every deck; with unload_buffers (OSC /mixer_cleanup) also unloads
// every buffer, as the original server's cleanup.
void reset(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const bool unload = env.command().reset().unload_buffers();
  self->request(self->state.cfg.mixer, kActorTimeout, reset_atom_v, unload)
      .then(
          [reply, unload](std::uint32_t removed) {
            reply(ok_message(
                unload ? fmt::format("every deck stopped, {} buffer{} unloaded", removed, removed == 1 ? "" : "s")
                       : std::string("every deck stopped")));
          },
          reply_error(reply));
}

}  // namespace

std::vector<CommandRoute> deck_commands() {
  using C = v1::Command;
  return {
      {C::kLoadBuffer, load_buffer},
      {C::kUnloadBuffer, unload_buffer},
      {C::kPlayBuffer, play_buffer},
      {C::kStopBuffer, stop_buffer},
      {C::kPlayDeck, play_deck},
      {C::kStopDeck, stop_deck},
      {C::kCueDeck, cue_deck},
      {C::kSetGain, set_gain},
      {C::kSetMasterGain, set_master_gain},
      {C::kSetMute, set_mute},
      {C::kSetLoop, set_loop},
      {C::kSeek, seek},
      {C::kSetEq, set_eq},
      {C::kSetEqAll, set_eq_all},
      {C::kSetFilter, set_filter},
      {C::kSetStretchMethod, set_stretch_method},
      {C::kStartTogether, start_together},
      {C::kSetDeckLevels, set_deck_levels},
      {C::kReset, reset},
  };
}

}  // namespace crowdmesh::node
