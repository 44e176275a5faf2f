#include "tempo/tempo_actor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "caf/all.hpp"
#include "common/log.hpp"
#include "tempo/tempo_controller.hpp"

namespace crowdmesh::tempo {

namespace {

constexpr double kPublishStepBpm = 0.001;             // publish when the tempo moved this much
constexpr std::int64_t kRepublishNs = 1'000'000'000;  // and at least once a second (late joiners)

struct TempoActorState {
  TempoActorConfig cfg;
  std::unique_ptr<TempoController> controller;
  double published_bpm = -1;
  std::int64_t published_at = 0;
  // When the one live tick chain fires next (steady clock); a tick that comes
  // earlier belongs to a chain a faster one replaced, and ends there.
  std::chrono::steady_clock::time_point tick_due{};

  // Every cfg.tick while the tempo moves; else only when the once-a-second
  // republish is due, so that a settled tempo lets the node sleep.
  std::chrono::nanoseconds next_tick_delay() const {
    const auto now = cfg.mesh_time_ns();
    if (controller->state(now).ramp_progress < 1.0) return cfg.tick;
    return std::max<std::chrono::nanoseconds>(cfg.tick, std::chrono::nanoseconds(kRepublishNs - (now - published_at)));
  }

  TempoReport report(std::int64_t now) const {
    const auto s = controller->state(now);
    return TempoReport{s.movement, s.target_bpm, s.current_bpm, s.ramp_progress, s.manual};
  }

  void maybe_publish(bool force) {
    const auto now = cfg.mesh_time_ns();
    const double bpm = controller->state(now).current_bpm;
    if (!force && std::fabs(bpm - published_bpm) < kPublishStepBpm && now - published_at < kRepublishNs) return;
    published_bpm = bpm;
    published_at = now;
    if (cfg.publish)
      cfg.publish(bpm, now + std::chrono::duration_cast<std::chrono::nanoseconds>(cfg.apply_lead).count());
  }
};

using Self = TempoActor::stateful_pointer<TempoActorState>;

void schedule_tick(Self self, std::chrono::nanoseconds delay) {
  self->state.tick_due = std::chrono::steady_clock::now() + delay;
  self->delayed_send(self, delay, tick_atom_v);
}

// After a change: tick at the fast rate if the tempo now moves and the live
// chain waits longer.
void hasten_tick(Self self) {
  const auto delay = self->state.next_tick_delay();
  if (std::chrono::steady_clock::now() + delay < self->state.tick_due) schedule_tick(self, delay);
}

TempoActor::behavior_type tempo_actor(Self self, TempoActorConfig cfg) {
  self->state.cfg = std::move(cfg);
  self->state.controller = std::make_unique<TempoController>(self->state.cfg.settings, self->state.cfg.mesh_time_ns());
  self->state.maybe_publish(true);
  schedule_tick(self, self->state.next_tick_delay());
  return {
      [=](movement_atom, double raw) -> caf::result<TempoReport> {
        auto& st = self->state;
        const auto now = st.cfg.mesh_time_ns();
        if (auto ok = st.controller->on_movement(raw, now); !ok) return ok.error();
        st.maybe_publish(false);
        hasten_tick(self);
        return st.report(now);
      },
      [=](tempo_atom, double bpm, double ramp_seconds) -> caf::result<TempoReport> {
        auto& st = self->state;
        const auto now = st.cfg.mesh_time_ns();
        if (auto ok = st.controller->set_tempo(bpm, ramp_seconds, now); !ok) return ok.error();
        st.maybe_publish(true);
        hasten_tick(self);
        spdlog::info("tempo: set to {:.2f} BPM (ramp {:.1f} s)", bpm, ramp_seconds);
        return st.report(now);
      },
      [=](status_atom) { return self->state.report(self->state.cfg.mesh_time_ns()); },
      [=](tick_atom) {
        if (std::chrono::steady_clock::now() + std::chrono::milliseconds(1) < self->state.tick_due) return;
        self->state.maybe_publish(false);
        schedule_tick(self, self->state.next_tick_delay());
      },
  };
}

}  // namespace

TempoActor spawn_tempo_actor(caf::actor_system& sys, TempoActorConfig cfg) {
  return sys.spawn(tempo_actor, std::move(cfg));
}

}  // namespace crowdmesh::tempo
