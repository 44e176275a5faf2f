// Handlers of the tempo commands, answered by the movement-to-BPM actor where
// it runs (one node of the mesh: the tempo role).
#include <string>

#include "caf/all.hpp"
#include "command_handlers.hpp"
#include "tempo/movement_bpm_curve.hpp"

namespace crowdmesh::node {

namespace {

namespace v1 = crowdmesh::v1;

// The tempo actor, or a reply saying where it runs.
const tempo::TempoActor* tempo_or_refuse(RouterSelf self, const ReplyFn& reply) {
  const auto& cfg = self->state.cfg;
  if (cfg.tempo) return &cfg.tempo;
  reply(not_ready("no tempo actor runs on node " + cfg.node +
                  (cfg.tempo_node.empty() ? std::string(" (no node has the tempo role)")
                                          : ": send tempo and movement to node " + cfg.tempo_node)));
  return nullptr;
}

v1::Reply tempo_reply(const tempo::TempoReport& t) {
  v1::Reply r;
  auto* s = r.mutable_ok()->mutable_tempo();
  s->set_movement(t.movement);
  s->set_target_bpm(t.target_bpm);
  s->set_current_bpm(t.current_bpm);
  s->set_ramp_progress(t.ramp_progress);
  s->set_manual(t.manual);
  return r;
}

template <class... Ts>
void ask_tempo(RouterSelf self, const tempo::TempoActor& tempo, const ReplyFn& reply, Ts&&... args) {
  self->request(tempo, kActorTimeout, std::forward<Ts>(args)...)
      .then([reply](tempo::TempoReport& t) { reply(tempo_reply(t)); }, reply_error(reply));
}

void get_tempo(RouterSelf self, const v1::Envelope&, const ReplyFn& reply) {
  if (const auto* tempo = tempo_or_refuse(self, reply)) ask_tempo(self, *tempo, reply, status_atom_v);
}

void set_tempo(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().set_tempo();
  const double ramp = m.has_ramp_seconds() ? m.ramp_seconds() : 0.0;
  if (const auto* tempo = tempo_or_refuse(self, reply))
    ask_tempo(self, *tempo, reply, tempo_atom_v, m.target_bpm(), ramp);
}

// Total movement drives the tempo; the other channels of the detector are
// checked and acknowledged. An unspecified or unknown channel is refused: it
// must not be mistaken for total movement.
void report_movement(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  using RM = v1::ReportMovement;
  const auto& m = env.command().report_movement();
  switch (m.channel()) {
    case RM::CHANNEL_TOTAL:
      if (const auto* tempo = tempo_or_refuse(self, reply)) ask_tempo(self, *tempo, reply, movement_atom_v, m.value());
      return;
    case RM::CHANNEL_ARM:
    case RM::CHANNEL_LEG:
    case RM::CHANNEL_HEAD:
    case RM::CHANNEL_PERSON_COUNT: {
      if (!tempo_or_refuse(self, reply)) return;
      if (auto ok = tempo::MovementBpmCurve::validate_movement(m.value()); !ok)
        return reply(mixer::error_reply(ok.error()));
      return reply(ok_message("movement channel " + RM::Channel_Name(m.channel()) +
                              " accepted (only total movement drives the tempo)"));
    }
    default:
      return reply(out_of_range("movement channel " + std::to_string(m.channel()) +
                                " is not one of CHANNEL_TOTAL (1), CHANNEL_ARM (2), CHANNEL_LEG (3), "
                                "CHANNEL_HEAD (4), CHANNEL_PERSON_COUNT (5)"));
  }
}

}  // namespace

std::vector<CommandRoute> tempo_commands() {
  using C = v1::Command;
  return {
      {C::kGetTempo, get_tempo, false},
      {C::kSetTempo, set_tempo, false},
      {C::kReportMovement, report_movement, false},
  };
}

}  // namespace crowdmesh::node
