#include "stretch/stretch_actor.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <ctime>
#include <map>
#include <vector>

#include "caf/all.hpp"
#include "common/error.hpp"
#include "common/local_clock.hpp"
#include "common/log.hpp"
#include "stretch/file_opener.hpp"
#include "stretch/fill_policy.hpp"
#include "stretch/start_position.hpp"

namespace crowdmesh::stretch {

namespace {

// Tick of an actor with no source to fill (nothing loaded): it only moves the
// tempo now (status) forward; an open fills its source at once.
constexpr std::chrono::milliseconds kIdleTick{500};

// A mesh tempo change: from the frame presented at mesh time at_ns on.
struct TempoChange {
  std::int64_t at_ns;
  double bpm;
  std::uint64_t seq;  // arrival order (ties at the same time)
};

bool before(const TempoChange& a, std::int64_t at_ns, std::uint64_t seq) {
  return a.at_ns < at_ns || (a.at_ns == at_ns && a.seq <= seq);
}

struct Tracked {
  std::weak_ptr<FileSource> source;
  double native_bpm;
  // The last change this source applied (its at_ns and seq); later ones pending.
  std::int64_t applied_at_ns = INT64_MIN;
  std::uint64_t applied_seq = 0;
};

// A load waiting for its open (FileOpener job `id`).
struct PendingOpen {
  caf::typed_response_promise<SourceHandle> promise;
  std::string path;
  double native_bpm = 120;
  double start_seconds = 0;
};

struct StretchState {
  StretchConfig cfg;
  std::unique_ptr<FileOpener> opener;
  std::map<std::uint64_t, PendingOpen> opening;
  FillPolicy policy;
  FillMode mode = FillMode::relaxed;
  StretchStats stats;
  std::vector<Tracked> sources;
  double bpm = 120;                  // the tempo at mesh time now (status, new sources)
  std::vector<TempoChange> pending;  // sorted by (at_ns, seq)
  std::uint64_t next_seq = 1;

  std::int64_t now() const { return cfg.mesh_time_ns ? cfg.mesh_time_ns() : local_now_ns(); }

  void apply(Tracked& t, FileSource& s, const TempoChange& c) {
    s.set_tempo_ratio(c.bpm / t.native_bpm);
    t.applied_at_ns = c.at_ns;
    t.applied_seq = c.seq;
  }

  // Applies the source's pending tempo changes at the FIFO frame presented at
  // their mesh time (fills exactly up to it first), then tops the FIFO up.
  // A source that is not playing yet (no presentation mark) changes when the
  // mesh time passes. A change that arrives after its frame was written already
  // applies at once and is counted late.
  void fill_source(Tracked& t, FileSource& s, std::int64_t t_now) {
    for (const auto& c : pending) {
      if (before(c, t.applied_at_ns, t.applied_seq)) continue;
      const auto frame = s.presented_frame_at(c.at_ns);
      if (!frame) {
        if (c.at_ns > t_now) break;
        apply(t, s, c);
        continue;
      }
      const auto written = s.frames_written();
      if (written < *frame) {
        s.fill(static_cast<std::size_t>(*frame - written));
        if (s.frames_written() < *frame) {
          if (s.input_ended()) apply(t, s, c);
          return;  // the FIFO is full up to the change: wait for the mixer
        }
      } else if (written > *frame) {
        ++stats.late_tempo_changes;
        stats.late_tempo_frames += static_cast<std::uint64_t>(written - *frame);
      }
      apply(t, s, c);
    }
    s.fill();
  }

  // The tempo at mesh time t: the newest change that is due.
  void advance_bpm(std::int64_t t) {
    for (const auto& c : pending)
      if (c.at_ns <= t) bpm = c.bpm;
  }

  // How long until the next tick: relaxed FIFOs are refilled when the emptiest
  // reaches the relaxed mark. A pending tempo change needs no sooner tick: it
  // lands on its frame when it arrives before a fill wrote past that frame,
  // which depends on the FIFO's length against the tempo actor's apply_lead;
  // fills further apart only write later.
  std::chrono::milliseconds tick_interval() const {
    if (sources.empty()) return kIdleTick;
    if (mode != FillMode::relaxed) return FillPolicy::interval(mode);
    return policy.relaxed_interval(stats.min_reserve_frames, stats.fifo_capacity_frames, cfg.source.device_rate_hz);
  }

  // Applies the tempo updates that are due, then tops up every live source;
  // forgets the sources nobody holds any more.
  void fill_all() {
    const auto t = now();
    advance_bpm(t);
    std::size_t min_reserve = SIZE_MAX, capacity = 0, live = 0;
    auto it = sources.begin();
    while (it != sources.end()) {
      if (auto s = it->source.lock()) {
        fill_source(*it, *s, t);
        const auto reserve = s->available();
        if (reserve < min_reserve && !s->input_ended()) {
          min_reserve = reserve;
          capacity = s->fifo_capacity();
        }
        ++live;
        ++it;
      } else {
        it = sources.erase(it);
      }
    }
    // Forget changes every source has applied (or long past: a stalled source
    // then takes the newest at its next fill).
    while (!pending.empty()) {
      const auto& c = pending.front();
      if (c.at_ns > t) break;  // `bpm` (the tempo now) still needs it
      bool all = c.at_ns < t - 30'000'000'000LL;
      if (!all) {
        all = true;
        for (const auto& tr : sources) all = all && before(c, tr.applied_at_ns, tr.applied_seq);
      }
      if (!all) break;
      pending.erase(pending.begin());
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

using Self = StretchActor::stateful_pointer<StretchState>;

// An open: [start_seconds, end_seconds) of the file (end 0 = the file's end);
// a loop restarts at start_seconds when a region end is given, else at 0.
caf::result<SourceHandle> open_source(Self self, const std::string& path, double start_seconds, bool loop,
                                      double native_bpm, double end_seconds) {
  if (!std::isfinite(native_bpm) || native_bpm < kMinNativeBpm || native_bpm > kMaxNativeBpm)
    return make_error(errc::value_out_of_range,
                      fmt::format("native BPM {:g} is out of range (allowed: {:g} to {:g})", native_bpm,
                                  kMinNativeBpm, kMaxNativeBpm));
  if (!std::isfinite(start_seconds) || start_seconds < 0)
    return make_error(errc::value_out_of_range, fmt::format("start position {:g}", start_seconds) +
                                                    " s is out of range (allowed: 0 s or more)");
  auto& st = self->state;
  st.advance_bpm(st.now());  // the idle tick may not have moved it yet
  auto scfg0 = st.cfg.source;
  scfg0.tempo_ratio = st.bpm / native_bpm;
  // Resolving and opening touch the file system and may block: off this
  // thread, which keeps the other decks filled.
  auto job = [roots = st.cfg.media_roots, path, scfg0, start_seconds, loop, end_seconds]() -> FileOpener::Result {
    auto resolved = roots.resolve(path);
    if (!resolved) return resolved.error();
    auto probe = FileSource::open(*resolved, scfg0);
    if (!probe) return probe.error();
    std::unique_ptr<FileSource> src = std::move(*probe);
    if (start_seconds > 0 || end_seconds > 0) {
      // Reopen at the position: a fresh decoder and resampler, no stale frames.
      auto scfg = scfg0;
      auto range = region_frames(start_seconds, end_seconds, src->info());
      if (!range) return range.error();
      scfg.start_frame = range->begin_frame;
      if (end_seconds > 0) {
        scfg.end_frame = range->end_frame;
        scfg.loop_begin_frame = range->begin_frame;
      }
      auto again = FileSource::open(*resolved, scfg);
      if (!again) return again.error();
      src = std::move(*again);
    }
    src->set_loop(loop);
    src->fill();
    return src;
  };
  const caf::actor_addr addr = self->address();
  auto notify = [addr](std::uint64_t id) {
    if (auto me = caf::actor_cast<StretchActor>(addr)) caf::anon_send(me, opened_atom_v, id);
  };
  auto id = st.opener->start(path, std::move(job), std::move(notify));
  if (!id) {
    spdlog::warn("stretch: {}", error_sentence(id.error()));
    return id.error();
  }
  auto rp = self->make_response_promise<SourceHandle>();
  st.opening.emplace(*id, PendingOpen{rp, path, native_bpm, start_seconds});
  self->delayed_send(self, st.cfg.open_timeout, timeout_atom_v, *id);
  return rp;
}

StretchActor::behavior_type stretch_actor(Self self, StretchConfig cfg) {
  self->state.cfg = cfg;
  self->state.bpm = cfg.initial_bpm;
  self->state.opener = std::make_unique<FileOpener>(cfg.max_opens_in_flight);
  self->delayed_send(self, FillPolicy::interval(FillMode::normal), tick_atom_v);
  return {
      [=](open_atom, const std::string& path, double start_seconds, bool loop,
          double native_bpm) -> caf::result<SourceHandle> {
        return open_source(self, path, start_seconds, loop, native_bpm, 0.0);
      },
      [=](open_atom, const std::string& path, double start_seconds, bool loop, double native_bpm,
          double end_seconds) -> caf::result<SourceHandle> {
        return open_source(self, path, start_seconds, loop, native_bpm, end_seconds);
      },
      [=](opened_atom, std::uint64_t id) {
        auto& st = self->state;
        auto it = st.opening.find(id);
        auto result = st.opener->take(id);
        if (it == st.opening.end() || !result) return;
        auto pending = std::move(it->second);
        st.opening.erase(it);
        if (!*result) {
          if (error_code(result->error()) == errc::not_allowed) ++st.stats.opens_refused;
          spdlog::warn("stretch: {}", error_sentence(result->error()));
          pending.promise.deliver(result->error());
          return;
        }
        std::shared_ptr<FileSource> shared = std::move(**result);
        // It starts at the tempo of now; changes still pending apply to it too.
        Tracked tr{shared, pending.native_bpm};
        for (const auto& c : st.pending)
          if (c.at_ns <= st.now()) {
            tr.applied_at_ns = c.at_ns;
            tr.applied_seq = c.seq;
          }
        st.sources.push_back(tr);
        spdlog::info("stretch: opened {} ({} {} Hz, {} ch) at {:.3f} s", shared->info().path, shared->info().format,
                     shared->info().file_rate_hz, shared->info().file_channels, pending.start_seconds);
        pending.promise.deliver(SourceHandle{std::move(shared)});
      },
      [=](timeout_atom, std::uint64_t id) {
        auto& st = self->state;
        auto it = st.opening.find(id);
        if (it == st.opening.end()) return;
        auto pending = std::move(it->second);
        st.opening.erase(it);
        st.opener->abandon(id);
        ++st.stats.open_timeouts;
        const auto sentence = fmt::format(
            "opening {} took longer than {} ms (a hung network share or disk?): gave up; the other decks play on",
            pending.path, st.cfg.open_timeout.count());
        spdlog::warn("stretch: {}", sentence);
        pending.promise.deliver(make_error(errc::timeout, sentence));
      },
      [=](fill_atom) {
        self->state.fill_all();
        return true;
      },
      [=](tempo_atom, double bpm, std::int64_t apply_at_ns) {
        if (!std::isfinite(bpm) || bpm <= 0) return;
        auto& st = self->state;
        const TempoChange c{apply_at_ns, bpm, st.next_seq++};
        auto pos =
            std::upper_bound(st.pending.begin(), st.pending.end(), c, [](const TempoChange& a, const TempoChange& b) {
              return a.at_ns < b.at_ns || (a.at_ns == b.at_ns && a.seq < b.seq);
            });
        st.pending.insert(pos, c);
      },
      [=](tick_atom) {
        self->state.fill_all();
        self->delayed_send(self, self->state.tick_interval(), tick_atom_v);
      },
      [=](stats_atom) {
        auto& st = self->state;
        st.advance_bpm(st.now());
        st.stats.bpm = st.bpm;
        st.stats.opens_in_flight = static_cast<std::uint32_t>(st.opener->in_flight());
        return st.stats;
      },
  };
}

}  // namespace

StretchActor spawn_stretch_actor(caf::actor_system& sys, const StretchConfig& cfg) {
  return sys.spawn<caf::detached>(stretch_actor, cfg);
}

}  // namespace crowdmesh::stretch
