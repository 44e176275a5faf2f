#include "stretch/stretch_actor.hpp"

#include <cmath>
#include <vector>

#include "caf/all.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace crowdmesh::stretch {

namespace {

struct StretchState {
  StretchConfig cfg;
  std::vector<std::weak_ptr<FileSource>> sources;

  // Tops up every live source; forgets the ones nobody holds any more.
  void fill_all() {
    auto it = sources.begin();
    while (it != sources.end()) {
      if (auto s = it->lock()) {
        s->fill();
        ++it;
      } else {
        it = sources.erase(it);
      }
    }
  }
};

StretchActor::behavior_type stretch_actor(StretchActor::stateful_pointer<StretchState> self,
                                          StretchConfig cfg) {
  self->state.cfg = cfg;
  self->delayed_send(self, cfg.fill_interval, tick_atom_v);
  return {
      [=](open_atom, const std::string& path, double start_seconds,
          bool loop) -> caf::result<SourceHandle> {
        if (!std::isfinite(start_seconds) || start_seconds < 0)
          return make_error(errc::value_out_of_range,
                            fmt::format("start position {:g}", start_seconds) +
                                " s is out of range (allowed: 0 s or more)");
        auto probe = FileSource::open(path, self->state.cfg.source);
        if (!probe) {
          spdlog::warn("stretch: {}", error_sentence(probe.error()));
          return probe.error();
        }
        std::unique_ptr<FileSource> src = std::move(*probe);
        if (start_seconds > 0) {
          // Reopen at the position: a fresh decoder and resampler, no stale frames.
          auto scfg = self->state.cfg.source;
          scfg.start_frame = static_cast<std::int64_t>(start_seconds * src->info().file_rate_hz);
          auto again = FileSource::open(path, scfg);
          if (!again) return again.error();
          src = std::move(*again);
        }
        src->set_loop(loop);
        src->fill();
        std::shared_ptr<FileSource> shared = std::move(src);
        self->state.sources.push_back(shared);
        spdlog::info("stretch: opened {} ({} {} Hz, {} ch) at {:.3f} s", shared->info().path,
                     shared->info().format, shared->info().file_rate_hz,
                     shared->info().file_channels, start_seconds);
        return SourceHandle{std::move(shared)};
      },
      [=](fill_atom) {
        self->state.fill_all();
        return true;
      },
      [=](tick_atom) {
        self->state.fill_all();
        self->delayed_send(self, self->state.cfg.fill_interval, tick_atom_v);
      },
  };
}

}  // namespace

StretchActor spawn_stretch_actor(caf::actor_system& sys, const StretchConfig& cfg) {
  return sys.spawn<caf::detached>(stretch_actor, cfg);
}

}  // namespace crowdmesh::stretch
