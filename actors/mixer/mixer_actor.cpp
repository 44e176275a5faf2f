#include "mixer/mixer_actor.hpp"

#include <optional>

#include <filesystem>

#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <system_error>
#include <memory>
#include <thread>

#include "caf/all.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "common/log.hpp"
#include "mixer/load_generations.hpp"
#include "mixer/mixer.hpp"
#include "mixer/pending_starts.hpp"
#include "mixer/render_port.hpp"
#include "mixer/seek_plan.hpp"
#include "mixer/start_group.hpp"
#include "mixer/tap_relay.hpp"

namespace crowdmesh::mixer {

namespace {

using namespace std::chrono_literals;
constexpr auto kOpenTimeout = 20s;
constexpr auto kFillTimeout = 10s;
constexpr auto kStartPoll = 5ms;
// What the render path noticed is logged this often (it cannot log itself).
constexpr auto kFindingsInterval = 1s;

BufferInfo to_buffer_info(const stretch::SourceInfo& s, double start_seconds, double native_bpm) {
  BufferInfo b;
  b.path = s.path;
  b.format = s.format;
  b.file_rate_hz = s.file_rate_hz;
  b.file_channels = s.file_channels;
  b.duration_seconds = s.file_rate_hz > 0 ? static_cast<double>(s.file_frames) / s.file_rate_hz : 0.0;
  b.start_seconds = start_seconds;
  b.native_bpm = native_bpm;
  return b;
}

// The mixer core, locked for the duration of each `mixer->...` expression when a
// render thread shares it through a RenderPort (execute-around pointer).
class GuardedMixer {
 public:
  struct Access {
    std::unique_lock<rt::PiMutex> lock;
    Mixer* mixer;
    Mixer* operator->() const { return mixer; }
  };
  Access operator->() const { return Access{lock(), core.get()}; }
  std::unique_lock<rt::PiMutex> lock() const { return port ? port->lock() : std::unique_lock<rt::PiMutex>(); }
  explicit operator bool() const { return static_cast<bool>(core); }

  std::unique_ptr<Mixer> core;
  std::shared_ptr<RenderPort> port;
};

struct MixerActorState {
  GuardedMixer mixer;
  stretch::StretchActor stretch;
  bool offline = false;
  std::uint64_t next_frame = 0;
  std::vector<std::shared_ptr<std::vector<float>>> pool;
  LoadGenerations loads;
  // The stretch-side handle of every attached reader, for per-deck stretch settings.
  std::map<std::pair<int, std::uint32_t>, std::weak_ptr<stretch::FileSource>> sources;
  std::function<void(const AudioBlock&, const std::string&)> tap;
  std::string title;
  std::uint64_t title_age_frames = ~std::uint64_t{0} / 2;
  PendingStarts starts;
  // With a render thread: carries its blocks to the tap off that thread.
  std::unique_ptr<TapRelay> relay;
  std::uint64_t relay_drops_logged = 0;
  // The Stall drill in progress (one at a time).
  caf::typed_response_promise<bool> stall_reply;
  // Loads refused (outside the media roots) and given up (open too slow).
  std::uint64_t loads_refused = 0;
  std::uint64_t load_timeouts = 0;

  // A pooled sample vector nobody else holds any more (no allocation once warm).
  std::shared_ptr<std::vector<float>> take_block(std::size_t samples) {
    for (auto& p : pool)
      if (p.use_count() == 1 && p->capacity() >= samples) {
        p->resize(samples);
        return p;
      }
    auto fresh = std::make_shared<std::vector<float>>(samples);
    if (pool.size() < 64) pool.push_back(fresh);
    return fresh;
  }

  ~MixerActorState() {
    if (mixer.port) mixer.port->detach();
  }

  // The render thread's path (RenderPort::render holds the port's lock): mixes
  // straight into the thread's buffer and hands a copy to the tap relay;
  // nothing here allocates or waits.
  void render_into(float* out, std::size_t frames, std::int64_t pts_ns) {
    mixer.core->render(out, frames, pts_ns);
    if (relay) relay->push(out, static_cast<std::uint32_t>(frames), next_frame, pts_ns);
    next_frame += frames;
  }

  AudioBlock render(std::uint32_t frames, std::int64_t pts_ns) {
    auto lk = mixer.lock();
    const auto& cfg = mixer->config();
    AudioBlock b;
    b.samples = take_block(static_cast<std::size_t>(frames) * static_cast<std::size_t>(cfg.channels));
    b.first_frame = next_frame;
    b.frames = frames;
    b.channels = cfg.channels;
    b.sample_rate_hz = cfg.sample_rate_hz;
    b.pts_ns = pts_ns;
    mixer->render(b.samples->data(), frames, pts_ns);
    next_frame += frames;
    if (tap) {
      // The title needs a status snapshot: refresh it about once a second.
      if (title_age_frames >= static_cast<std::uint64_t>(cfg.sample_rate_hz)) {
        title = now_playing(mixer->status());
        title_age_frames = 0;
      }
      title_age_frames += frames;
      tap(b, title);
    }
    return b;
  }
};

using Self = MixerActor::stateful_pointer<MixerActorState>;

// Counts the load failures telemetry shows: refusals and timeouts.
void count_load_failure(MixerActorState& st, const caf::error& err) {
  const auto code = error_code(err);
  if (code == errc::not_allowed) ++st.loads_refused;
  if (code == errc::timeout) ++st.load_timeouts;
}


DeckStatus deck_status(Self self, DeckId d) { return self->state.mixer->deck(d).status(); }

// Moves the play position of every buffer of `deck` (or only `only`): each
// gets a new reader opened at `seconds`, swapped in when it is ready.
caf::result<DeckStatus> seek(Self self, DeckId d, std::optional<std::uint32_t> only, double seconds) {
  auto planned = [&] {
    auto lk = self->state.mixer.lock();
    return SeekPlan::make(self->state.mixer.core->deck(d), only, seconds);
  }();
  if (!planned) return planned.error();
  auto plan = std::make_shared<SeekPlan>(std::move(*planned));
  auto rp = self->make_response_promise<DeckStatus>();
  for (const auto& t : plan->targets()) {
    const std::uint32_t bid = t.buffer_id;
    const auto& bs = t.status;
    self->request(self->state.stretch, kOpenTimeout, open_atom_v, bs.info.path, seconds, bs.loop, bs.info.native_bpm)
        .then(
            [=, native_bpm = bs.info.native_bpm](stretch::SourceHandle& h) mutable {
              auto info = to_buffer_info(h.source->info(), seconds, native_bpm);
              if (self->state.mixer->finish_load(d, bid, h.source, info))
                self->state.sources[std::make_pair(index_of(d), bid)] = h.source;
              if (!plan->opened()) return;
              if (plan->first_error())
                rp.deliver(plan->first_error());
              else
                rp.deliver(deck_status(self, d));
            },
            [=](caf::error& err) mutable {
              count_load_failure(self->state, err);
              if (plan->failed(err)) rp.deliver(plan->first_error());
            });
  }
  return rp;
}

// A deck command's reply: the deck's state after `done`, or its error.
caf::result<DeckStatus> deck_reply(Self self, DeckId d, const caf::expected<void>& done) {
  if (!done) return done.error();
  return deck_status(self, d);
}

// A load of the whole file (region {}) or of a song section (from its begin;
// looping inside it, or going on to the file's end).
caf::result<BufferStatus> load_buffer(Self self, DeckId d, std::uint32_t id, const std::string& path, bool loop,
                                      double native_bpm, const PlayRegion& region = {}) {
  auto& st = self->state;
  if (auto begun = st.mixer->begin_load(d, id, path); !begun) {
    ++st.loads_refused;  // a full deck (or a bad buffer id): nothing opened
    return begun.error();
  }
  const auto key = std::make_pair(index_of(d), id);
  const auto gen = st.loads.begin(d, id);
  auto rp = self->make_response_promise<BufferStatus>();
  const double end_seconds = region.loop ? region.end_seconds : 0.0;
  self->request(st.stretch, kOpenTimeout, open_atom_v, path, region.begin_seconds, loop, native_bpm, end_seconds)
      .then(
          [=](stretch::SourceHandle& h) mutable {
            auto& s = self->state;
            if (!s.loads.current(d, id, gen)) {
              rp.deliver(make_error(errc::not_ready, "buffer " + std::to_string(id) + " on deck " + to_string(d) +
                                                         " was replaced by a newer load"));
              return;
            }
            auto info = to_buffer_info(h.source->info(), region.begin_seconds, native_bpm);
            auto res = s.mixer->finish_load(d, id, h.source, info);
            if (!res) {
              rp.deliver(res.error());
              return;
            }
            s.sources[key] = h.source;
            s.mixer->set_loop(d, id, loop);
            spdlog::info("mixer: deck {} buffer {} ready: {}", to_string(d), id, info.path);
            rp.deliver(s.mixer->deck(d).find(id)->status());
          },
          [=](caf::error& err) mutable {
            auto& s = self->state;
            count_load_failure(s, err);
            if (s.loads.current(d, id, gen)) s.mixer->fail_load(d, id, error_code(err), error_sentence(err));
            spdlog::error("mixer: deck {} buffer {} failed to load: {}", to_string(d), id, error_sentence(err));
            rp.deliver(err);
          });
  return rp;
}

// Plans a section switch of a playing buffer on the next downbeat (under the
// render lock: its position and the PTS of the next frame belong together),
// opens the next section's reader meanwhile and schedules the switch at that
// downbeat's mesh time.
caf::result<SectionSwitch> switch_section(Self self, DeckId d, std::uint32_t id, const std::vector<double>& downbeats,
                                          const PlayRegion& now, const PlayRegion& next) {
  auto& st = self->state;
  st.mixer->release_switched();
  const auto key = std::make_pair(index_of(d), id);
  auto it = st.sources.find(key);
  auto src = it == st.sources.end() ? nullptr : it->second.lock();
  SectionSwitch plan;
  BufferInfo info;
  {
    auto lk = st.mixer.lock();
    auto& core = *st.mixer.core;
    const auto* b = core.deck(d).find(id);
    if (!b || !src) return make_error(errc::unknown_buffer, "deck " + to_string(d) + " has no buffer " + std::to_string(id));
    if (b->state() != BufferState::playing)
      return make_error(errc::not_ready, "deck " + to_string(d) + " is not playing: a section switch waits for the "
                                         "next downbeat of a playing deck (play it, or cue the section)");
    if (core.next_pts_ns() == 0)
      return make_error(errc::not_ready, "deck " + to_string(d) + " has not rendered a frame with a mesh time yet");
    info = b->status().info;
    plan.from_seconds = src->file_position_seconds();
    auto sw = next_downbeat_switch(downbeats, now, plan.from_seconds, src->tempo_ratio(), core.next_pts_ns(),
                                   kSectionSwitchLeadSeconds);
    if (!sw)
      return make_error(errc::value_out_of_range,
                        fmt::format("deck {} at {:.3f} s has no downbeat ahead to switch on", to_string(d),
                                    plan.from_seconds));
    plan.downbeat_seconds = sw->downbeat_seconds;
    plan.at_ns = sw->at_ns;
  }
  const double end_seconds = next.loop ? next.end_seconds : 0.0;
  auto rp = self->make_response_promise<SectionSwitch>();
  self->request(st.stretch, kOpenTimeout, open_atom_v, info.path, next.begin_seconds, next.loop, info.native_bpm,
                end_seconds)
      .then(
          [=](stretch::SourceHandle& h) mutable {
            auto& s = self->state;
            auto fresh = to_buffer_info(h.source->info(), next.begin_seconds, info.native_bpm);
            auto lk = s.mixer.lock();
            auto& core = *s.mixer.core;
            if (auto ok = core.schedule_switch(d, id, h.source, fresh, plan.at_ns); !ok) {
              rp.deliver(ok.error());
              return;
            }
            s.sources[key] = h.source;
            auto answer = plan;
            answer.late_ns = std::max<std::int64_t>(0, core.next_pts_ns() - plan.at_ns);
            spdlog::info("mixer: deck {} switches to {:.3f} s on the downbeat at {:.3f} s (mesh time {} ns)",
                         to_string(d), next.begin_seconds, plan.downbeat_seconds, plan.at_ns);
            rp.deliver(answer);
          },
          [=](caf::error& err) mutable {
            count_load_failure(self->state, err);
            rp.deliver(err);
          });
  return rp;
}

caf::result<bool> unload_buffer(Self self, DeckId d, std::uint32_t id) {
  auto res = self->state.mixer->unload(d, id);
  if (!res) return res.error();
  self->state.sources.erase(std::make_pair(index_of(d), id));
  self->state.loads.forget(d, id);
  return true;
}

caf::result<DeckStatus> set_deck_levels(Self self, const std::vector<DeckId>& decks,
                                        const std::vector<double>& gains_db, double ramp_seconds) {
  if (decks.empty() || decks.size() != gains_db.size())
    return make_error(errc::value_out_of_range, "deck levels: " + std::to_string(decks.size()) + " decks and " +
                                                    std::to_string(gains_db.size()) +
                                                    " gains (give one gain per deck, at least one)");
  std::vector<std::pair<DeckId, double>> levels;
  for (std::size_t i = 0; i < decks.size(); ++i) levels.emplace_back(decks[i], gains_db[i]);
  auto res = self->state.mixer->set_deck_levels(levels, ramp_seconds);
  if (!res) return res.error();
  return deck_status(self, levels.back().first);
}

caf::result<DeckStatus> set_method(Self self, DeckId d, stretch::StretchMethod method) {
  int switched = 0;
  for (auto& [key, weak] : self->state.sources)
    if (key.first == index_of(d))
      if (auto src = weak.lock()) {
        src->set_method(method);
        ++switched;
      }
  if (switched == 0) return make_error(errc::not_ready, "deck " + to_string(d) + " has no loaded buffer");
  return deck_status(self, d);
}

caf::result<StartReport> start_decks(Self self, const std::vector<std::string>& decks, double timeout_s,
                                     std::int64_t at_ns) {
  if (at_ns < 0)
    return make_error(errc::value_out_of_range,
                      "start time must be a mesh time in ns (>= 0), got " + std::to_string(at_ns));
  if (!(timeout_s >= 0 && timeout_s <= kMaxReadyTimeoutSeconds))
    return make_error(
        errc::value_out_of_range,
        fmt::format("ready timeout {:g} s is out of range (allowed: 0 to {:g} s)", timeout_s, kMaxReadyTimeoutSeconds));
  StartGroup group(decks, at_ns,
                   std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                          std::chrono::duration<double>(timeout_s)));
  auto& st = self->state;
  {
    auto lk = st.mixer.lock();
    if (group.settled(*st.mixer.core)) return group.start(*st.mixer.core);
  }
  auto rp = self->make_response_promise<StartReport>();
  const auto key = st.starts.add(std::move(group), [rp](StartReport r) mutable { rp.deliver(std::move(r)); });
  self->delayed_send(self, kStartPoll, retry_atom_v, key);
  return rp;
}

void on_tick(Self self) {
  auto& st = self->state;
  st.mixer->release_switched();  // the readers section switches replaced: freed here, not on the render thread
  for (const auto& line : st.mixer->take_findings()) spdlog::warn("{}", line);
  if (st.relay) {
    st.relay->set_title(now_playing(st.mixer->status()));
    const auto dropped = st.relay->stats().dropped;
    if (dropped > st.relay_drops_logged)
      spdlog::warn(
          "mixer: {} master block(s) dropped before the recording/stream tap (its thread fell "
          "half a second behind; {} since start)",
          dropped - st.relay_drops_logged, dropped);
    st.relay_drops_logged = dropped;
  }
  self->delayed_send(self, kFindingsInterval, tick_atom_v);
}

void on_retry(Self self, std::uint64_t key) {
  auto& st = self->state;
  auto poll = [&] {
    auto lk = st.mixer.lock();
    return st.starts.poll(key, *st.mixer.core, std::chrono::steady_clock::now());
  }();
  if (poll.waiting) self->delayed_send(self, kStartPoll, retry_atom_v, key);
  if (!poll.answer) return;
  auto& report = poll.answer->report;
  if (!report.not_ready.empty()) spdlog::warn("mixer: start together: {} deck(s) not ready", report.not_ready.size());
  poll.answer->reply(std::move(report));
}

std::uint32_t reset_mixer(Self self, bool unload_buffers) {
  auto& st = self->state;
  const auto removed = static_cast<std::uint32_t>(st.mixer->reset(unload_buffers));
  if (unload_buffers) {
    st.sources.clear();
    st.loads.clear();
  }
  // Starts still waiting for decks: answered, not run.
  for (auto& a : st.starts.cancel_all()) a.reply(std::move(a.report));
  spdlog::info("mixer: reset: every deck stopped{}",
               unload_buffers ? fmt::format(", {} buffers unloaded", removed) : "");
  return removed;
}

MixerStatus status_with_reserves(Self self) {
  auto& st = self->state;
  auto status = st.mixer->status();
  status.loads_refused = st.loads_refused;
  status.load_timeouts = st.load_timeouts;
  const double rate = st.mixer->config().sample_rate_hz;
  for (const auto& [key, weak] : st.sources) {
    auto src = weak.lock();
    if (!src || key.first < 0 || static_cast<std::size_t>(key.first) >= status.decks.size()) continue;
    auto& d = status.decks[static_cast<std::size_t>(key.first)];
    const double reserve = static_cast<double>(src->available()) / rate;
    d.reserve_seconds = d.reserve_seconds < 0 ? reserve : std::min(d.reserve_seconds, reserve);
    if (d.stretch_method.empty()) d.stretch_method = stretch::to_string(src->method());
  }
  return status;
}

caf::result<AudioBlock> render_block(Self self, std::uint32_t frames, std::int64_t pts_ns) {
  if (frames == 0 || frames > kMaxRenderFrames)
    return make_error(errc::value_out_of_range, "render of " + std::to_string(frames) +
                                                    " frames is out of range (allowed: 1 to " +
                                                    std::to_string(kMaxRenderFrames) + ")");
  auto& st = self->state;
  if (st.offline && st.mixer->starving(frames)) {
    // Offline: let the readers catch up instead of rendering silence.
    auto rp = self->make_response_promise<AudioBlock>();
    self->request(st.stretch, kFillTimeout, fill_atom_v)
        .then([=](bool) mutable { rp.deliver(self->state.render(frames, pts_ns)); },
              [=](caf::error&) mutable { rp.deliver(self->state.render(frames, pts_ns)); });
    return rp;
  }
  return st.render(frames, pts_ns);
}

// The render thread renders through the port (under its lock) while the actor
// lives; ~MixerActorState detaches it. Its blocks reach the tap through the
// relay (a second of room), never on that thread.
void attach_render_port(Self self, const MixerActorConfig& cfg) {
  self->state.mixer.port = cfg.render_port;
  auto* st = &self->state;
  if (cfg.tap)
    st->relay = std::make_unique<TapRelay>(cfg.tap, cfg.mixer.channels, cfg.mixer.sample_rate_hz,
                                           static_cast<std::size_t>(cfg.mixer.sample_rate_hz), cfg.tap_prompt);
  cfg.render_port->attach(
      [st](float* out, std::size_t frames, std::int64_t pts_ns) { st->render_into(out, frames, pts_ns); });
}

MixerActor::behavior_type mixer_actor(Self self, MixerActorConfig cfg) {
  self->state.mixer.core = std::make_unique<Mixer>(cfg.mixer);
  self->state.stretch = cfg.stretch;
  self->state.offline = cfg.offline;
  self->state.tap = cfg.tap;
  if (cfg.render_port) attach_render_port(self, cfg);
  self->delayed_send(self, kFindingsInterval, tick_atom_v);
  return {
      [=](load_atom, DeckId d, std::uint32_t id, const std::string& path, bool loop,
          double native_bpm) -> caf::result<BufferStatus> { return load_buffer(self, d, id, path, loop, native_bpm); },
      [=](section_atom, DeckId d, std::uint32_t id, const std::string& path, double native_bpm,
          const PlayRegion& region) -> caf::result<BufferStatus> {
        return load_buffer(self, d, id, path, region.loop, native_bpm, region);
      },
      [=](section_atom, DeckId d, std::uint32_t id, const std::vector<double>& downbeats, const PlayRegion& now,
          const PlayRegion& next) -> caf::result<SectionSwitch> {
        return switch_section(self, d, id, downbeats, now, next);
      },
      [=](unload_atom, DeckId d, std::uint32_t id) -> caf::result<bool> { return unload_buffer(self, d, id); },
      [=](play_atom, DeckId d) -> caf::result<DeckStatus> { return deck_reply(self, d, self->state.mixer->play(d)); },
      [=](stop_atom, DeckId d) -> caf::result<DeckStatus> {
        self->state.mixer->stop(d);
        return deck_status(self, d);
      },
      [=](play_atom, DeckId d, std::uint32_t id) -> caf::result<DeckStatus> {
        return deck_reply(self, d, self->state.mixer->play_buffer(d, id));
      },
      [=](stop_atom, DeckId d, std::uint32_t id) -> caf::result<DeckStatus> {
        return deck_reply(self, d, self->state.mixer->stop_buffer(d, id));
      },
      [=](gain_atom, DeckId d, std::uint32_t id, double db, double ramp_seconds) -> caf::result<DeckStatus> {
        return deck_reply(self, d, self->state.mixer->set_buffer_gain_db(d, id, db, ramp_seconds));
      },
      [=](gain_atom, DeckId d, double db, double ramp_seconds) -> caf::result<DeckStatus> {
        return deck_reply(self, d, self->state.mixer->set_deck_gain_db(d, db, ramp_seconds));
      },
      [=](levels_atom, const std::vector<DeckId>& decks, const std::vector<double>& gains_db, double ramp_seconds)
          -> caf::result<DeckStatus> { return set_deck_levels(self, decks, gains_db, ramp_seconds); },
      [=](mute_atom, DeckId d, bool muted) -> caf::result<DeckStatus> {
        self->state.mixer->set_deck_mute(d, muted);
        return deck_status(self, d);
      },
      [=](loop_atom, DeckId d, bool loop) -> caf::result<DeckStatus> {
        return deck_reply(self, d, self->state.mixer->set_loop(d, -1, loop));
      },
      [=](loop_atom, DeckId d, std::uint32_t buffer_id, bool loop) -> caf::result<DeckStatus> {
        return deck_reply(self, d, self->state.mixer->set_loop(d, static_cast<std::int64_t>(buffer_id), loop));
      },
      [=](eq_atom, DeckId d, dsp::EqBand band, double db) -> caf::result<DeckStatus> {
        return deck_reply(self, d, self->state.mixer->set_eq_db(d, band, db));
      },
      [=](filter_atom, DeckId d, double amount) -> caf::result<DeckStatus> {
        return deck_reply(self, d, self->state.mixer->set_filter(d, amount));
      },
      [=](tone_atom, double frequency_hz, double gain_db, double duration_seconds) -> caf::result<bool> {
        auto res = self->state.mixer->start_test_tone(frequency_hz, gain_db, duration_seconds);
        if (!res) return res.error();
        spdlog::info("mixer: test tone {} Hz at {} dBFS for {} s", frequency_hz, gain_db, duration_seconds);
        return true;
      },
      [=](seek_atom, DeckId d, double seconds) -> caf::result<DeckStatus> {
        return seek(self, d, std::nullopt, seconds);
      },
      [=](seek_atom, DeckId d, std::uint32_t buffer_id, double seconds) -> caf::result<DeckStatus> {
        return seek(self, d, buffer_id, seconds);
      },
      [=](method_atom, DeckId d, stretch::StretchMethod method) -> caf::result<DeckStatus> {
        return set_method(self, d, method);
      },
      [=](master_atom, double db, double ramp_seconds) -> caf::result<double> {
        auto res = self->state.mixer->set_master_gain_db(db, ramp_seconds);
        if (!res) return res.error();
        return static_cast<double>(self->state.mixer->status().master_gain_db);
      },
      [=](start_atom, const std::vector<std::string>& decks, double timeout_s) -> caf::result<StartReport> {
        return self->delegate(caf::actor_cast<MixerActor>(self), start_atom_v, decks, timeout_s, std::int64_t{0});
      },
      [=](start_atom, const std::vector<std::string>& decks, double timeout_s,
          std::int64_t at_ns) -> caf::result<StartReport> { return start_decks(self, decks, timeout_s, at_ns); },
      [=](tick_atom) { on_tick(self); },
      [=](retry_atom, std::uint64_t key) { on_retry(self, key); },
      [=](reset_atom, bool unload_buffers) { return reset_mixer(self, unload_buffers); },
      [=](stall_atom, std::uint32_t ms) -> caf::result<bool> {
        auto& st = self->state;
        if (st.stall_reply.pending())
          return make_error(errc::not_ready, "a stall is already running on this mixer: one at a time");
        spdlog::warn("mixer: stalling the render path for {} ms on request (diagnostics)", ms);
        st.stall_reply = self->make_response_promise<bool>();
        const caf::actor_addr me = self->address();
        // The render lock is held off this actor's worker: the device ring
        // starves, the rest of the node does not.
        try {
          std::thread([port = st.mixer.port, ms, me] {
            {
              auto lk = port ? port->lock() : std::unique_lock<rt::PiMutex>();
              std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            }
            if (auto h = caf::actor_cast<MixerActor>(me)) caf::anon_send(h, stall_atom_v, true);
          }).detach();
        } catch (const std::system_error& e) {
          st.stall_reply.deliver(make_error(errc::internal, std::string("cannot start the stall thread: ") + e.what()));
        }
        return st.stall_reply;
      },
      [=](stall_atom, bool) {
        if (self->state.stall_reply.pending()) self->state.stall_reply.deliver(true);
      },
      [=](status_atom) { return status_with_reserves(self); },
      [=](finish_atom) {
        if (self->state.relay) self->state.relay->stop();
        return true;
      },
      [=](render_atom, std::uint32_t frames, std::int64_t pts_ns) -> caf::result<AudioBlock> {
        return render_block(self, frames, pts_ns);
      },
  };
}

}  // namespace

std::string now_playing(const MixerStatus& status) {
  const BufferStatus* best = nullptr;
  for (const auto& d : status.decks)
    for (const auto& b : d.buffers)
      if (b.state == BufferState::playing && (!best || b.position_seconds < best->position_seconds)) best = &b;
  if (!best) return {};
  return std::filesystem::path(best->info.path).stem().string();
}

MixerActor spawn_mixer_actor(caf::actor_system& sys, const MixerActorConfig& cfg) {
  return sys.spawn(mixer_actor, cfg);
}

}  // namespace crowdmesh::mixer
