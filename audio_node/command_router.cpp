#include "command_router.hpp"
#include "common/local_clock.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <ctime>

#include "caf/all.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "device/device_list.hpp"
#include "mixer/mixer_proto.hpp"

namespace crowdmesh::node {

namespace {

namespace v1 = crowdmesh::v1;
using namespace std::chrono_literals;
constexpr auto kActorTimeout = 30s;
constexpr double kDefaultNativeBpm = 120;  // a load without --bpm (SPEC C2: base 120)

v1::Reply ok_deck(const mixer::DeckStatus& d) {
  v1::Reply r;
  mixer::to_proto(d, *r.mutable_ok()->mutable_deck());
  return r;
}

v1::Reply ok_message(const std::string& text) {
  v1::Reply r;
  r.mutable_ok()->set_message(text);
  return r;
}

v1::Reply unknown_deck(int wire) {
  return mixer::error_reply(v1::ERROR_CODE_UNKNOWN_DECK, "deck " + std::to_string(wire) +
                                                             " is missing or unknown (allowed: A, B, C, D)");
}

struct RouterState {
  RouterConfig cfg;
};

using Self = caf::stateful_actor<RouterState>*;

// Sends `args` to the mixer and answers with the DeckStatus it returns.
template <class... Ts>
void deck_request(Self self, const ReplyFn& reply, Ts&&... args) {
  self->request(self->state.cfg.mixer, kActorTimeout, std::forward<Ts>(args)...)
      .then([reply](mixer::DeckStatus& d) { reply(ok_deck(d)); },
            [reply](caf::error& e) { reply(mixer::error_reply(e)); });
}

// The one master-gain path (SetGain with a master target and SetMasterGain).
void master_gain(Self self, const ReplyFn& reply, double gain_db, double ramp_seconds) {
  self->request(self->state.cfg.mixer, kActorTimeout, master_atom_v, gain_db, ramp_seconds)
      .then(
          [reply, ramp_seconds](double db) {
            reply(ok_message(ramp_seconds > 0 ? fmt::format("master gain {:.1f} dB over {:g} s", db, ramp_seconds)
                                              : fmt::format("master gain {:.1f} dB", db)));
          },
          [reply](caf::error& e) { reply(mixer::error_reply(e)); });
}

// A node status gathered from the mixer, then the stretch actor (the tempo this
// node applies), then the device; a missing part leaves its fields empty.
struct StatusParts {
  mixer::MixerStatus mixer;
  double bpm = 0;
  std::optional<device::DeviceRunReport> device;
};

v1::Reply status_reply(const RouterConfig& cfg, const StatusParts& p) {
  v1::Reply r;
  auto* st = r.mutable_ok()->mutable_status();
  mixer::to_proto(p.mixer, *st);
  st->set_node(cfg.node);
  st->set_software_version(CROWDMESH_VERSION);
  st->set_clock_offset_ns(cfg.mesh_time_ns() - local_now_ns());
  st->set_current_bpm(p.bpm);
  if (p.device) {
    const auto& ds = p.device->stats;
    auto* d = st->mutable_device();
    d->set_frames_played(ds.frames_played);
    d->set_xruns(ds.xruns);
    d->set_underrun_frames(ds.underrun_frames);
    d->set_callbacks(ds.callbacks);
    d->set_callback_us_p50(ds.callback_us_p50);
    d->set_callback_us_p99(ds.callback_us_p99);
    d->set_callback_us_max(ds.callback_us_max);
    d->set_period_us(static_cast<std::uint32_t>(ds.period_us));
    d->set_ring_fill_frames(static_cast<std::uint32_t>(ds.ring_fill));
    d->set_ring_capacity_frames(static_cast<std::uint32_t>(ds.ring_capacity));
    d->set_sample_rate_hz(static_cast<std::uint32_t>(ds.sample_rate_hz));
    d->set_period_frames(static_cast<std::uint32_t>(ds.period_frames));
    d->set_backend(p.device->backend);
    d->set_channels(static_cast<std::uint32_t>(p.device->channels));
  }
  return r;
}

void status(Self self, const ReplyFn& reply) {
  const auto cfg = self->state.cfg;
  auto parts = std::make_shared<StatusParts>();
  auto finish = [cfg, parts, reply] { reply(status_reply(cfg, *parts)); };
  auto ask_device = [self, cfg, parts, finish] {
    if (!cfg.device) return finish();
    self->request(cfg.device, 2s, status_atom_v)
        .then([parts, finish](device::DeviceRunReport& rep) { parts->device = rep; finish(); },
              [finish](caf::error&) { finish(); });
  };
  auto ask_stretch = [self, cfg, parts, ask_device] {
    if (!cfg.stretch) return ask_device();
    self->request(cfg.stretch, 2s, stats_atom_v)
        .then([parts, ask_device](stretch::StretchStats& s) { parts->bpm = s.bpm; ask_device(); },
              [ask_device](caf::error&) { ask_device(); });
  };
  self->request(cfg.mixer, kActorTimeout, status_atom_v)
      .then([parts, ask_stretch](mixer::MixerStatus& ms) { parts->mixer = ms; ask_stretch(); },
            [reply](caf::error& e) { reply(mixer::error_reply(e)); });
}

void execute(Self self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& c = env.command();
  const auto& mixer = self->state.cfg.mixer;
  const std::string node = self->state.cfg.node;
  auto deck_of = [](int wire) { return mixer::deck_name(wire); };
  switch (c.command_case()) {
    case v1::Command::kGetTelemetry:
    case v1::Command::kRunDoctor:
    case v1::Command::kListDevices:
    case v1::Command::kGetTempo:
    case v1::Command::kSetTempo:
    case v1::Command::kReportMovement:
      break;
    default:
      if (!mixer)
        return reply(mixer::error_reply(v1::ERROR_CODE_NOT_READY,
                                        "node " + node + " has no mixer (an encoder-only node): send deck, gain "
                                        "and status commands to a node with the mixer role"));
  }
  switch (c.command_case()) {
    case v1::Command::kGetTelemetry: {
      if (!self->state.cfg.telemetry)
        return reply(mixer::error_reply(v1::ERROR_CODE_NOT_READY, "telemetry does not run on node " + node));
      v1::Reply r;
      *r.mutable_ok()->mutable_telemetry() = self->state.cfg.telemetry();
      return reply(r);
    }
    case v1::Command::kRunDoctor: {
      if (!self->state.cfg.doctor)
        return reply(mixer::error_reply(v1::ERROR_CODE_NOT_READY, "doctor is not available on node " + node));
      return self->state.cfg.doctor(c.run_doctor(), reply);
    }
    case v1::Command::kStall: {
      const auto ms = c.stall().milliseconds();
      if (c.stall().actor() != "mixer")
        return reply(mixer::error_reply(v1::ERROR_CODE_VALUE_OUT_OF_RANGE,
                                        "stall: actor '" + c.stall().actor() + "' cannot be stalled (allowed: mixer)"));
      if (ms < 1 || ms > 5000)
        return reply(mixer::error_reply(v1::ERROR_CODE_VALUE_OUT_OF_RANGE,
                                        "stall of " + std::to_string(ms) + " ms is out of range (1..5000 ms)"));
      self->request(mixer, std::chrono::milliseconds(ms + 2000), stall_atom_v, ms)
          .then(
              [reply, ms, node](bool) {
                v1::Reply r;
                r.mutable_ok()->set_message("mixer of " + node + " stalled for " + std::to_string(ms) + " ms");
                reply(r);
              },
              [reply](caf::error& e) { reply(mixer::error_reply(e)); });
      return;
    }
    case v1::Command::kLoadBuffer: {
      const auto& m = c.load_buffer();
      auto d = deck_of(m.deck());
      if (!d) return reply(unknown_deck(m.deck()));
      const auto wire = m.deck();
      const double native_bpm = m.has_native_bpm() ? m.native_bpm() : kDefaultNativeBpm;
      self->request(mixer, kActorTimeout, load_atom_v, *d, m.buffer_id(), m.path(), m.loop(), native_bpm)
          .then(
              [reply, wire](mixer::BufferStatus& b) {
                v1::Reply r;
                r.mutable_ok()->set_message("buffer " + std::to_string(b.id) + " ready: " + b.info.path);
                auto* deck = r.mutable_ok()->mutable_deck();
                deck->set_deck(static_cast<v1::Deck>(wire));
                mixer::to_proto(b, *deck->add_buffers());
                reply(r);
              },
              [reply](caf::error& e) { reply(mixer::error_reply(e)); });
      return;
    }
    case v1::Command::kUnloadBuffer: {
      auto d = deck_of(c.unload_buffer().deck());
      if (!d) return reply(unknown_deck(c.unload_buffer().deck()));
      self->request(mixer, kActorTimeout, unload_atom_v, *d, c.unload_buffer().buffer_id())
          .then([reply](bool) { reply(ok_message("unloaded")); },
                [reply](caf::error& e) { reply(mixer::error_reply(e)); });
      return;
    }
    case v1::Command::kPlayBuffer: {
      const auto& m = c.play_buffer();
      auto d = deck_of(m.deck());
      if (!d) return reply(unknown_deck(m.deck()));
      if (!m.has_start_seconds()) return deck_request(self, reply, play_atom_v, *d, m.buffer_id());
      // From a position (OSC /play_stem start_pos): move that buffer there, then play it.
      self->request(mixer, kActorTimeout, seek_atom_v, *d, m.buffer_id(), m.start_seconds())
          .then([self, reply, deck = *d, id = m.buffer_id()](
                    mixer::DeckStatus&) { deck_request(self, reply, play_atom_v, deck, id); },
                [reply](caf::error& e) { reply(mixer::error_reply(e)); });
      return;
    }
    case v1::Command::kStopBuffer: {
      auto d = deck_of(c.stop_buffer().deck());
      if (!d) return reply(unknown_deck(c.stop_buffer().deck()));
      return deck_request(self, reply, stop_atom_v, *d, c.stop_buffer().buffer_id());
    }
    case v1::Command::kPlayDeck: {
      auto d = deck_of(c.play_deck().deck());
      if (!d) return reply(unknown_deck(c.play_deck().deck()));
      return deck_request(self, reply, play_atom_v, *d);
    }
    case v1::Command::kStopDeck: {
      auto d = deck_of(c.stop_deck().deck());
      if (!d) return reply(unknown_deck(c.stop_deck().deck()));
      return deck_request(self, reply, stop_atom_v, *d);
    }
    case v1::Command::kCueDeck: {
      // Cue: stop the deck and move it to the position (default 0), ready to play.
      auto d = deck_of(c.cue_deck().deck());
      if (!d) return reply(unknown_deck(c.cue_deck().deck()));
      const double pos = c.cue_deck().has_position_seconds() ? c.cue_deck().position_seconds() : 0.0;
      const std::string deck = *d;
      self->request(mixer, kActorTimeout, stop_atom_v, deck)
          .then([self, reply, deck, pos](mixer::DeckStatus&) { deck_request(self, reply, seek_atom_v, deck, pos); },
                [reply](caf::error& e) { reply(mixer::error_reply(e)); });
      return;
    }
    case v1::Command::kSetGain: {
      const auto& m = c.set_gain();
      if (m.target().target_case() == v1::GainTarget::kMaster)
        return master_gain(self, reply, m.gain_db(), m.ramp_seconds());
      if (m.target().target_case() == v1::GainTarget::kBuffer) {
        auto d = deck_of(m.target().buffer().deck());
        if (!d) return reply(unknown_deck(m.target().buffer().deck()));
        return deck_request(self, reply, gain_atom_v, *d, m.target().buffer().buffer_id(), m.gain_db(),
                            m.ramp_seconds());
      }
      auto d = deck_of(m.target().deck());
      if (!d) return reply(unknown_deck(m.target().deck()));
      return deck_request(self, reply, gain_atom_v, *d, m.gain_db(), m.ramp_seconds());
    }
    case v1::Command::kSetMasterGain:
      return master_gain(self, reply, c.set_master_gain().gain_db(), c.set_master_gain().ramp_seconds());
    case v1::Command::kSetMute: {
      const auto& m = c.set_mute();
      auto d = deck_of(m.target().deck());
      if (m.target().target_case() != v1::GainTarget::kDeck || !d)
        return reply(mixer::error_reply(v1::ERROR_CODE_VALUE_OUT_OF_RANGE, "mute takes a deck (A, B, C, D)"));
      return deck_request(self, reply, mute_atom_v, *d, m.muted());
    }
    case v1::Command::kSetLoop: {
      const auto& m = c.set_loop();
      auto d = deck_of(m.deck());
      if (!d) return reply(unknown_deck(m.deck()));
      if (m.has_buffer_id()) return deck_request(self, reply, loop_atom_v, *d, m.buffer_id(), m.loop());
      return deck_request(self, reply, loop_atom_v, *d, m.loop());
    }
    case v1::Command::kSeek: {
      const auto& m = c.seek();
      auto d = deck_of(m.deck());
      if (!d) return reply(unknown_deck(m.deck()));
      if (m.has_buffer_id()) return deck_request(self, reply, seek_atom_v, *d, m.buffer_id(), m.position_seconds());
      return deck_request(self, reply, seek_atom_v, *d, m.position_seconds());
    }
    case v1::Command::kSetEq: {
      auto d = deck_of(c.set_eq().deck());
      if (!d) return reply(unknown_deck(c.set_eq().deck()));
      const char* band = c.set_eq().band() == v1::EQ_BAND_LOW   ? "low"
                         : c.set_eq().band() == v1::EQ_BAND_MID ? "mid"
                         : c.set_eq().band() == v1::EQ_BAND_HIGH ? "high"
                                                                 : "unspecified";
      return deck_request(self, reply, eq_atom_v, *d, std::string(band), c.set_eq().gain_db());
    }
    case v1::Command::kSetEqAll: {
      auto d = deck_of(c.set_eq_all().deck());
      if (!d) return reply(unknown_deck(c.set_eq_all().deck()));
      const std::string deck = *d;
      const double g[3] = {c.set_eq_all().low_gain_db(), c.set_eq_all().mid_gain_db(), c.set_eq_all().high_gain_db()};
      self->request(mixer, kActorTimeout, eq_atom_v, deck, std::string("low"), g[0])
          .then(
              [=](mixer::DeckStatus&) {
                self->request(mixer, kActorTimeout, eq_atom_v, deck, std::string("mid"), g[1])
                    .then([=](mixer::DeckStatus&) { deck_request(self, reply, eq_atom_v, deck, std::string("high"), g[2]); },
                          [reply](caf::error& e) { reply(mixer::error_reply(e)); });
              },
              [reply](caf::error& e) { reply(mixer::error_reply(e)); });
      return;
    }
    case v1::Command::kSetStretchMethod: {
      auto d = deck_of(c.set_stretch_method().deck());
      if (!d) return reply(unknown_deck(c.set_stretch_method().deck()));
      const auto method = c.set_stretch_method().method();
      if (method != v1::STRETCH_METHOD_PLAYBACK_RATE && method != v1::STRETCH_METHOD_SOUNDTOUCH)
        return reply(mixer::error_reply(v1::ERROR_CODE_VALUE_OUT_OF_RANGE,
                                        "stretch method must be playback_rate or soundtouch"));
      return deck_request(self, reply, method_atom_v, *d,
                          std::string(method == v1::STRETCH_METHOD_SOUNDTOUCH ? "soundtouch" : "playback_rate"));
    }
    case v1::Command::kStartTogether: {
      std::vector<std::string> decks;
      for (int wd : c.start_together().decks()) {
        auto d = deck_of(wd);
        if (!d) return reply(unknown_deck(wd));
        decks.push_back(*d);
      }
      if (decks.empty())
        return reply(mixer::error_reply(v1::ERROR_CODE_VALUE_OUT_OF_RANGE, "start needs at least one deck"));
      const double timeout = c.start_together().ready_timeout_seconds() > 0 ? c.start_together().ready_timeout_seconds() : 0.0;
      // With execute_at_ns the mixer starts the decks at the first frame whose PTS >= T.
      const std::int64_t at = env.has_execute_at_ns() ? env.execute_at_ns() : 0;
      self->request(mixer, kActorTimeout, start_atom_v, decks, timeout, at)
          .then(
              [reply](mixer::StartReport& rep) {
                v1::Reply r;
                mixer::to_proto(rep, *r.mutable_ok()->mutable_start_together());
                const char* verb = rep.scheduled_at_ns > 0 ? "scheduled" : "started";
                r.mutable_ok()->set_message(std::string(verb) + (rep.not_ready.empty() ? "" : " what was ready"));
                reply(r);
              },
              [reply](caf::error& e) { reply(mixer::error_reply(e)); });
      return;
    }
    case v1::Command::kGetStatus:
      return status(self, reply);
    case v1::Command::kListDevices: {
      auto list = device::list_devices();
      if (!list) return reply(mixer::error_reply(list.error()));
      v1::Reply r;
      auto* out = r.mutable_ok()->mutable_devices();
      for (const auto& d : *list) {
        auto* i = out->add_devices();
        i->set_index(static_cast<std::uint32_t>(d.index));
        i->set_name(d.name);
        i->set_host_api(d.host_api);
        i->set_max_input_channels(static_cast<std::uint32_t>(d.max_input_channels));
        i->set_max_output_channels(static_cast<std::uint32_t>(d.max_output_channels));
        i->set_default_sample_rate_hz(static_cast<std::uint32_t>(d.default_sample_rate_hz));
        i->set_is_default_output(d.is_default_output);
      }
      return reply(r);
    }
    case v1::Command::kSetDeckLevels: {
      const auto& levels = c.set_deck_levels().levels();
      if (levels.empty()) return reply(ok_message("no levels given"));
      std::vector<std::string> decks;
      std::vector<double> gains_db;
      for (const auto& level : levels) {
        auto d = deck_of(level.deck());
        if (!d) return reply(unknown_deck(level.deck()));
        decks.push_back(*d);
        gains_db.push_back(level.gain_db());
      }
      // One request: the mixer checks every level, then sets them in the same frame.
      return deck_request(self, reply, levels_atom_v, std::move(decks), std::move(gains_db),
                          c.set_deck_levels().ramp_seconds());
    }
    case v1::Command::kGetTempo:
    case v1::Command::kSetTempo:
    case v1::Command::kReportMovement: {
      const auto& tempo = self->state.cfg.tempo;
      if (!tempo) {
        const auto& where = self->state.cfg.tempo_node;
        return reply(mixer::error_reply(v1::ERROR_CODE_NOT_READY,
                                        "no tempo actor runs on node " + node +
                                            (where.empty() ? std::string(" (no node has the tempo role)")
                                                           : ": send tempo and movement to node " + where)));
      }
      auto on_report = [reply](tempo::TempoReport& t) {
        v1::Reply r;
        auto* s = r.mutable_ok()->mutable_tempo();
        s->set_movement(t.movement);
        s->set_target_bpm(t.target_bpm);
        s->set_current_bpm(t.current_bpm);
        s->set_ramp_progress(t.ramp_progress);
        s->set_manual(t.manual);
        reply(r);
      };
      auto on_error = [reply](caf::error& e) { reply(mixer::error_reply(e)); };
      if (c.has_get_tempo()) {
        self->request(tempo, kActorTimeout, status_atom_v).then(on_report, on_error);
        return;
      }
      if (c.has_set_tempo()) {
        const double ramp = c.set_tempo().has_ramp_seconds() ? c.set_tempo().ramp_seconds() : 0.0;
        self->request(tempo, kActorTimeout, tempo_atom_v, c.set_tempo().target_bpm(), ramp).then(on_report, on_error);
        return;
      }
      if (c.report_movement().channel() != v1::ReportMovement::CHANNEL_TOTAL &&
          c.report_movement().channel() != v1::ReportMovement::CHANNEL_UNSPECIFIED)
        return reply(ok_message("movement channel accepted (only total movement drives the tempo)"));
      self->request(tempo, kActorTimeout, movement_atom_v, c.report_movement().value()).then(on_report, on_error);
      return;
    }
    case v1::Command::kSetFilter:
    case v1::Command::kTestTone:
    case v1::Command::kReset:
      return reply(mixer::error_reply(v1::ERROR_CODE_NOT_READY,
                                      "this command is not available yet on node " + node));
    default:
      return reply(mixer::error_reply(v1::ERROR_CODE_UNKNOWN_PAYLOAD,
                                      "unknown or empty command (field " + std::to_string(c.command_case()) + ")"));
  }
}

caf::behavior command_router(caf::stateful_actor<RouterState>* self, RouterConfig cfg) {
  if (!cfg.mesh_time_ns) cfg.mesh_time_ns = local_now_ns;
  self->state.cfg = std::move(cfg);
  return {
      [=](const NodeRequest& req) {
        if (!req.envelope || req.envelope->payload_case() != v1::Envelope::kCommand) {
          req.reply(mixer::error_reply(v1::ERROR_CODE_UNKNOWN_PAYLOAD, "expected a command"));
          return;
        }
        if (req.envelope->has_execute_at_ns() &&
            req.envelope->command().command_case() != v1::Command::kStartTogether) {
          const auto wait_ns = req.envelope->execute_at_ns() - self->state.cfg.mesh_time_ns();
          if (wait_ns > 0) {
            if (wait_ns > 3'600'000'000'000LL) {
              req.reply(mixer::error_reply(v1::ERROR_CODE_VALUE_OUT_OF_RANGE,
                                           "execute_at_ns is more than one hour ahead of mesh time"));
              return;
            }
            self->delayed_send(self, std::chrono::nanoseconds(wait_ns), NodeRequest{req.envelope, req.reply},
                               caf::atom("due"));
            return;
          }
        }
        execute(self, *req.envelope, req.reply);
      },
      [=](const NodeRequest& req, caf::atom_value) { execute(self, *req.envelope, req.reply); },
  };
}

}  // namespace

caf::actor spawn_command_router(caf::actor_system& sys, RouterConfig cfg) {
  return sys.spawn(command_router, std::move(cfg));
}

}  // namespace crowdmesh::node
