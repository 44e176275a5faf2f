#include "stretch/stretch_actor.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <vector>

#include "caf/all.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "stretch/fill_policy.hpp"

namespace crowdmesh::stretch {

namespace {

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Tracked {
  std::weak_ptr<FileSource> source;
  double native_bpm;
};

struct StretchState {
  StretchConfig cfg;
  FillPolicy policy;
  FillMode mode = FillMode::relaxed;
  StretchStats stats;
  std::vector<Tracked> sources;
  double bpm = 120;
  std::vector<std::pair<std::int64_t, double>> pending;  // (apply_at_ns, bpm), sorted

  std::int64_t now() const { return cfg.mesh_time_ns ? cfg.mesh_time_ns() : monotonic_ns(); }

  // Applies the tempo updates that are due, then tops up every live source;
  // forgets the sources nobody holds any more.
  void fill_all() {
    const auto t = now();
    bool changed = false;
    while (!pending.empty() && pending.front().first <= t) {
      changed = changed || pending.front().second != bpm;
      bpm = pending.front().second;
      pending.erase(pending.begin());
    }
    std::size_t min_reserve = SIZE_MAX, capacity = 0, live = 0;
    auto it = sources.begin();
    while (it != sources.end()) {
      if (auto s = it->source.lock()) {
        if (changed) s->set_tempo_ratio(bpm / it->native_bpm);
        const auto reserve = s->available();
        if (reserve < min_reserve && !s->input_ended()) {
          min_reserve = reserve;
          capacity = s->fifo_capacity();
        }
        s->fill();
        ++live;
        ++it;
      } else {
        it = sources.erase(it);
      }
    }
    const auto next = min_reserve == SIZE_MAX ? FillMode::relaxed : policy.mode_for(min_reserve, capacity);
    if (next == FillMode::emergency && mode != FillMode::emergency) {
      ++stats.emergencies;
      spdlog::warn("stretch: emergency refill: a deck FIFO held {} of {} frames", min_reserve, capacity);
    }
    mode = next;
    stats.mode = to_string(mode);
    stats.min_reserve_frames = min_reserve == SIZE_MAX ? 0 : min_reserve;
    stats.fifo_capacity_frames = capacity;
    stats.sources = static_cast<std::uint32_t>(live);
    stats.bpm = bpm;
  }
};

StretchActor::behavior_type stretch_actor(StretchActor::stateful_pointer<StretchState> self,
                                          StretchConfig cfg) {
  self->state.cfg = cfg;
  self->state.bpm = cfg.initial_bpm;
  self->delayed_send(self, FillPolicy::interval(FillMode::normal), tick_atom_v);
  return {
      [=](open_atom, const std::string& path, double start_seconds, bool loop,
          double native_bpm) -> caf::result<SourceHandle> {
        if (!std::isfinite(native_bpm) || native_bpm < kMinNativeBpm || native_bpm > kMaxNativeBpm)
          return make_error(errc::value_out_of_range,
                            fmt::format("native BPM {:g} is out of range (allowed: {:g} to {:g})", native_bpm,
                                        kMinNativeBpm, kMaxNativeBpm));
        if (!std::isfinite(start_seconds) || start_seconds < 0)
          return make_error(errc::value_out_of_range,
                            fmt::format("start position {:g}", start_seconds) +
                                " s is out of range (allowed: 0 s or more)");
        auto scfg0 = self->state.cfg.source;
        scfg0.tempo_ratio = self->state.bpm / native_bpm;
        auto probe = FileSource::open(path, scfg0);
        if (!probe) {
          spdlog::warn("stretch: {}", error_sentence(probe.error()));
          return probe.error();
        }
        std::unique_ptr<FileSource> src = std::move(*probe);
        if (start_seconds > 0) {
          // Reopen at the position: a fresh decoder and resampler, no stale frames.
          auto scfg = scfg0;
          scfg.start_frame = static_cast<std::int64_t>(start_seconds * src->info().file_rate_hz);
          auto again = FileSource::open(path, scfg);
          if (!again) return again.error();
          src = std::move(*again);
        }
        src->set_loop(loop);
        src->fill();
        std::shared_ptr<FileSource> shared = std::move(src);
        self->state.sources.push_back(Tracked{shared, native_bpm});
        spdlog::info("stretch: opened {} ({} {} Hz, {} ch) at {:.3f} s", shared->info().path,
                     shared->info().format, shared->info().file_rate_hz,
                     shared->info().file_channels, start_seconds);
        return SourceHandle{std::move(shared)};
      },
      [=](fill_atom) {
        self->state.fill_all();
        return true;
      },
      [=](tempo_atom, double bpm, std::int64_t apply_at_ns) {
        if (!std::isfinite(bpm) || bpm <= 0) return;
        auto& p = self->state.pending;
        p.insert(std::upper_bound(p.begin(), p.end(), std::make_pair(apply_at_ns, bpm)),
                 std::make_pair(apply_at_ns, bpm));
      },
      [=](tick_atom) {
        self->state.fill_all();
        self->delayed_send(self, FillPolicy::interval(self->state.mode), tick_atom_v);
      },
      [=](stats_atom) { return self->state.stats; },
  };
}

}  // namespace

StretchActor spawn_stretch_actor(caf::actor_system& sys, const StretchConfig& cfg) {
  return sys.spawn<caf::detached>(stretch_actor, cfg);
}

}  // namespace crowdmesh::stretch
