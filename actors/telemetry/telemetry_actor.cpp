#include "telemetry/telemetry_actor.hpp"

#include <map>

#include "caf/all.hpp"
#include "telemetry/process_stats.hpp"
#include "telemetry/stats_proto.hpp"
#include "telemetry/telemetry_pace.hpp"

namespace crowdmesh::telemetry {

namespace {

/// Seconds a playing deck must stay below kSilenceDbfs to be flagged silent.
constexpr double kSilenceSeconds = 2.0;
constexpr double kSilenceDbfs = -60.0;

struct TelemetryState {
  TelemetryActorConfig cfg;
  TelemetryPace pace{std::chrono::milliseconds(100), std::chrono::milliseconds(100), true};
  std::uint64_t tick_generation = 0;  // only the newest scheduled tick samples
  std::chrono::steady_clock::time_point tick_due;
  std::chrono::milliseconds period{100};  // announced in every sample until the next tick
  ProcessSampler process;
  std::map<std::string, std::uint64_t> sequence;  // per actor
  std::map<int, std::int64_t> quiet_since_ns;     // per deck: playing below -60 dBFS since
  // One request in flight per actor: a busy or stuck actor skips samples
  // instead of collecting requests (and no per-request timer is needed).
  bool device_pending = false, mixer_pending = false, tempo_pending = false, encoder_pending = false;

  // The samples of one tick go out together: the tick's own samples and the
  // replies to its requests, when the last reply came (one wake-up of the
  // gateway thread a tick instead of one per sample). A reply that comes
  // after the next tick began goes out alone.
  std::uint64_t batch_id = 0;     // the open batch's tick (counts ticks)
  std::size_t batch_waiting = 0;  // replies the open batch still waits for
  TelemetryBatch batch;

  void emit(const std::string& actor, crowdmesh::v1::Telemetry t, std::uint64_t id) {
    t.set_node(cfg.node);
    t.set_actor(actor);
    t.set_time_ns(cfg.mesh_time_ns ? cfg.mesh_time_ns() : 0);
    t.set_sequence(sequence[actor]++);
    t.set_next_sample_within_ms(static_cast<std::uint32_t>(period.count()));
    TelemetrySample sample{"tele." + cfg.node + "." + actor, std::move(t)};
    if (id == batch_id) {
      batch.push_back(std::move(sample));
      return;
    }
    TelemetryBatch alone;
    alone.push_back(std::move(sample));
    if (cfg.publish) cfg.publish(alone);
  }

  // A reply of tick `id` (a sample or an error) came.
  void reply_came(std::uint64_t id) {
    if (id == batch_id && batch_waiting > 0 && --batch_waiting == 0) flush();
  }

  void flush() {
    if (!batch.empty() && cfg.publish) cfg.publish(batch);
    batch.clear();
  }

  // Closes the previous tick's batch (sent with what came) and opens this one's.
  std::uint64_t open_batch() {
    flush();
    batch_waiting = 0;
    return ++batch_id;
  }

  void mark_silence(crowdmesh::v1::MixerStats& m, std::int64_t now_ns) {
    for (auto& d : *m.mutable_decks()) {
      const int key = d.deck();
      if (!d.playing() || d.rms_dbfs() > kSilenceDbfs) {
        quiet_since_ns.erase(key);
        continue;
      }
      auto it = quiet_since_ns.emplace(key, now_ns).first;
      d.set_silent(static_cast<double>(now_ns - it->second) * 1e-9 >= kSilenceSeconds);
    }
  }
};

using Self = TelemetryActor::stateful_pointer<TelemetryState>;

void schedule_tick(Self self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  st.tick_due = std::chrono::steady_clock::now() + delay;
  self->delayed_send(self, delay, tick_atom_v, ++st.tick_generation);
}

// A reply that turned an idle node busy: sample within the full-rate interval,
// not at the idle tick already scheduled.
void hasten_if_woken(Self self, bool woke) {
  auto& st = self->state;
  if (woke && std::chrono::steady_clock::now() + st.pace.interval() < st.tick_due) {
    st.period = st.pace.interval();
    schedule_tick(self, st.pace.interval());
  }
}

TelemetryActor::behavior_type telemetry_actor(Self self, TelemetryActorConfig cfg) {
  self->state.cfg = std::move(cfg);
  self->state.pace = TelemetryPace(self->state.cfg.interval, self->state.cfg.idle_interval,
                                   static_cast<bool>(self->state.cfg.encoder));
  self->state.period = self->state.cfg.interval;
  self->state.process.sample();  // starts the CPU interval
  schedule_tick(self, self->state.cfg.interval);
  return {
      [=](tick_atom, std::uint64_t generation) {
        auto& st = self->state;
        if (generation != st.tick_generation) return;  // retired by a tick brought forward
        if (st.cfg.watched) {
          const bool watched = st.cfg.watched();
          st.pace.set_watched(watched);
          if (st.cfg.master_meter) st.cfg.master_meter->set_read_often(watched);
        }
        st.period = st.pace.period();
        const auto id = st.open_batch();
        {
          crowdmesh::v1::Telemetry t;
          *t.mutable_process() = to_proto(st.process.sample());
          st.emit("process", std::move(t), id);
        }
        if (st.cfg.links) {
          crowdmesh::v1::Telemetry t;
          *t.mutable_links() = st.cfg.links();
          st.emit("links", std::move(t), id);
        }
        if (st.cfg.clock) {
          crowdmesh::v1::Telemetry t;
          *t.mutable_clock() = st.cfg.clock();
          st.emit("clock", std::move(t), id);
        }
        if (st.cfg.device_view) {
          crowdmesh::v1::Telemetry t;
          *t.mutable_device() = to_proto(st.cfg.device_view->stats(), st.cfg.backend);
          st.emit("device", std::move(t), id);
        } else if (st.cfg.device && !st.device_pending) {
          st.device_pending = true;
          ++st.batch_waiting;
          self->request(st.cfg.device, caf::infinite, stats_atom_v)
              .then(
                  [=](device::DeviceStats& s) {
                    self->state.device_pending = false;
                    crowdmesh::v1::Telemetry t;
                    *t.mutable_device() = to_proto(s, self->state.cfg.backend);
                    self->state.emit("device", std::move(t), id);
                    self->state.reply_came(id);
                  },
                  [=](caf::error&) {
                    self->state.device_pending = false;
                    self->state.reply_came(id);
                  });
        }
        if (st.cfg.mixer && !st.mixer_pending) {
          st.mixer_pending = true;
          ++st.batch_waiting;
          self->request(st.cfg.mixer, caf::infinite, status_atom_v)
              .then(
                  [=](mixer::MixerStatus& s) {
                    auto& st = self->state;
                    st.mixer_pending = false;
                    crowdmesh::v1::Telemetry t;
                    auto master = st.cfg.master_meter ? st.cfg.master_meter->take() : std::nullopt;
                    *t.mutable_mixer() = to_proto(s, master);
                    st.mark_silence(*t.mutable_mixer(), st.cfg.mesh_time_ns ? st.cfg.mesh_time_ns() : 0);
                    hasten_if_woken(self, st.pace.set_mixer_busy(mixer_busy(s)));
                    st.emit("mixer", std::move(t), id);
                    st.reply_came(id);
                  },
                  [=](caf::error&) {
                    self->state.mixer_pending = false;
                    self->state.reply_came(id);
                  });
        }
        if (st.cfg.tempo && !st.tempo_pending) {
          st.tempo_pending = true;
          ++st.batch_waiting;
          self->request(st.cfg.tempo, caf::infinite, status_atom_v)
              .then(
                  [=](tempo::TempoReport& r) {
                    self->state.tempo_pending = false;
                    hasten_if_woken(self, self->state.pace.set_tempo_busy(r.ramp_progress < 1.0));
                    crowdmesh::v1::Telemetry t;
                    *t.mutable_tempo() = to_proto(r, self->state.cfg.tempo_node);
                    self->state.emit("tempo", std::move(t), id);
                    self->state.reply_came(id);
                  },
                  [=](caf::error&) {
                    self->state.tempo_pending = false;
                    self->state.reply_came(id);
                  });
        }
        if (st.cfg.encoder && !st.encoder_pending) {
          st.encoder_pending = true;
          ++st.batch_waiting;
          self->request(st.cfg.encoder, caf::infinite, stats_atom_v)
              .then(
                  [=](encoder::EncoderStats& s) {
                    self->state.encoder_pending = false;
                    crowdmesh::v1::Telemetry t;
                    *t.mutable_encoder() = to_proto(s);
                    self->state.emit("encoder", std::move(t), id);
                    self->state.reply_came(id);
                  },
                  [=](caf::error&) {
                    self->state.encoder_pending = false;
                    self->state.reply_came(id);
                  });
        }
        if (st.batch_waiting == 0) st.flush();  // nothing asked: the tick's own samples go now
        schedule_tick(self, st.period);
      },
  };
}

}  // namespace

TelemetryActor spawn_telemetry_actor(caf::actor_system& sys, TelemetryActorConfig cfg) {
  return sys.spawn(telemetry_actor, std::move(cfg));
}

}  // namespace crowdmesh::telemetry
