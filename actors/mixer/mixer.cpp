#include "mixer/mixer.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/decibel.hpp"
#include "common/error.hpp"
#include "common/test_tone_range.hpp"
#include "mixer/gain_validation.hpp"
#include "dsp/sanitize.hpp"

namespace crowdmesh::mixer {

namespace {

std::string buffer_name(DeckId deck, std::uint32_t id) {
  return "buffer " + std::to_string(id) + " on deck " + to_string(deck);
}

caf::error unknown_buffer(Deck& d, std::uint32_t id) {
  std::ostringstream os;
  os << "no " << buffer_name(d.id(), id) << " (loaded:";
  if (d.buffers().empty()) os << " none";
  for (const auto& kv : d.buffers()) os << " " << kv.first;
  os << ")";
  return make_error(errc::unknown_buffer, os.str());
}

// Why a buffer cannot play: a failed one answers with its load's own code.
caf::error not_ready(const DeckBuffer& b, DeckId deck) {
  if (b.state() == BufferState::failed)
    return make_error(b.load_error(), buffer_name(deck, b.id()) + " failed to load: " + b.status().error);
  return make_error(errc::not_ready, buffer_name(deck, b.id()) + " is not ready (" + to_string(b.state()) + ")");
}

}  // namespace

const char* to_string(BufferState state) {
  switch (state) {
    case BufferState::loading: return "loading";
    case BufferState::ready: return "ready";
    case BufferState::playing: return "playing";
    case BufferState::stopped: return "stopped";
    case BufferState::ended: return "ended";
    case BufferState::failed: return "failed";
  }
  return "unknown";
}

Mixer::Mixer(const MixerConfig& cfg)
    : cfg_(cfg),
      master_gain_(static_cast<float>(cfg.sample_rate_hz), cfg.gain_smoothing_ms, 1.0f),
      limiter_(static_cast<float>(cfg.sample_rate_hz), cfg.channels, cfg.limiter_ceiling_dbfs),
      test_tone_(static_cast<double>(cfg.sample_rate_hz), cfg.channels) {
  for (auto id : kAllDecks) decks_[static_cast<std::size_t>(index_of(id))] = std::make_unique<Deck>(id, cfg);
}

namespace {
bool holds_audio(const DeckBuffer& b) { return b.state() != BufferState::loading && b.state() != BufferState::failed; }
}  // namespace

caf::expected<void> Mixer::begin_load(DeckId d, std::uint32_t buffer_id, std::string path) {
  const auto* b = deck(d).find(buffer_id);
  if (b && holds_audio(*b)) {
    reloads_.emplace(index_of(d), buffer_id);
    return caf::unit;
  }
  if (!b && deck(d).buffers().size() >= kMaxBuffersPerDeck)
    return make_error(errc::value_out_of_range,
                      "deck " + std::string(to_string(d)) + " already holds " + std::to_string(kMaxBuffersPerDeck) +
                          " buffers, the most a deck holds: unload one or load into an existing buffer id (not " +
                          std::to_string(buffer_id) + ")");
  reloads_.erase({index_of(d), buffer_id});
  deck(d).add_loading(buffer_id, std::move(path));
  return caf::unit;
}

caf::expected<void> Mixer::finish_load(DeckId d, std::uint32_t buffer_id, std::shared_ptr<FrameReader> reader,
                                       BufferInfo info) {
  auto* b = deck(d).find(buffer_id);
  if (!b) return unknown_buffer(deck(d), buffer_id);
  if (reloads_.erase({index_of(d), buffer_id}) > 0) b = &deck(d).add_loading(buffer_id, info.path);
  drop_switch(d, buffer_id);
  b->attach(std::move(reader), std::move(info));
  return caf::unit;
}

void Mixer::fail_load(DeckId d, std::uint32_t buffer_id, errc code, std::string reason) {
  if (reloads_.erase({index_of(d), buffer_id}) > 0) return;
  if (auto* b = deck(d).find(buffer_id)) b->fail(code, std::move(reason));
}

bool Mixer::reloading(DeckId d) const {
  const auto it = reloads_.lower_bound({index_of(d), 0});
  return it != reloads_.end() && it->first == index_of(d);
}

caf::expected<void> Mixer::unload(DeckId d, std::uint32_t buffer_id) {
  reloads_.erase({index_of(d), buffer_id});
  drop_switch(d, buffer_id);
  if (!deck(d).remove(buffer_id)) return unknown_buffer(deck(d), buffer_id);
  return caf::unit;
}

caf::expected<void> Mixer::can_play(DeckId d) {
  auto& dk = deck(d);
  if (dk.buffers().empty()) return make_error(errc::unknown_buffer, "deck " + to_string(d) + " has no buffer loaded");
  if (reloading(d))
    return make_error(errc::not_ready, "deck " + to_string(d) + " is not ready (a new file is loading)");
  if (dk.ready()) return caf::unit;
  for (const auto& kv : dk.buffers())
    if (kv.second->state() != BufferState::ended) return not_ready(*kv.second, d);
  return make_error(errc::not_ready, "deck " + to_string(d) + " has played to the end (seek to replay)");
}

caf::expected<void> Mixer::play(DeckId d) {
  if (auto ok = can_play(d); !ok) return ok;
  deck(d).play();
  return caf::unit;
}

caf::expected<void> Mixer::play_buffer(DeckId d, std::uint32_t buffer_id) {
  auto* b = deck(d).find(buffer_id);
  if (!b) return unknown_buffer(deck(d), buffer_id);
  if (reloads_.count({index_of(d), buffer_id}) > 0)
    return make_error(errc::not_ready, buffer_name(d, buffer_id) + " is not ready (a new file is loading)");
  if (!b->play()) return not_ready(*b, d);
  return caf::unit;
}

void Mixer::stop(DeckId d) { deck(d).stop(); }

std::size_t Mixer::reset(bool unload_buffers) {
  scheduled_.clear();
  switches_.clear();
  std::size_t removed = 0;
  for (auto& d : decks_) {
    d->stop();
    if (!unload_buffers) continue;
    removed += d->buffers().size();
    d->clear();
  }
  if (unload_buffers) reloads_.clear();
  return removed;
}

caf::expected<void> Mixer::stop_buffer(DeckId d, std::uint32_t buffer_id) {
  auto* b = deck(d).find(buffer_id);
  if (!b) return unknown_buffer(deck(d), buffer_id);
  b->stop();
  return caf::unit;
}

caf::expected<void> Mixer::set_deck_gain_db(DeckId d, double gain_db, double ramp_seconds) {
  return set_deck_levels({{d, gain_db}}, ramp_seconds);
}

caf::expected<void> Mixer::set_deck_levels(const std::vector<std::pair<DeckId, double>>& levels, double ramp_seconds) {
  std::vector<float> linear;
  linear.reserve(levels.size());
  std::uint64_t frames = 0;
  for (const auto& [d, db] : levels) {
    const std::string what = "deck " + to_string(d) + " gain";
    auto g = gain_db_to_linear(db, what);
    if (!g) return g.error();
    auto f = ramp_seconds_to_frames(ramp_seconds, cfg_.sample_rate_hz, what);
    if (!f) return f.error();
    linear.push_back(*g);
    frames = *f;
  }
  for (std::size_t i = 0; i < levels.size(); ++i) deck(levels[i].first).set_gain(linear[i], frames);
  return caf::unit;
}

caf::expected<void> Mixer::set_buffer_gain_db(DeckId d, std::uint32_t buffer_id, double gain_db, double ramp_seconds) {
  auto* b = deck(d).find(buffer_id);
  if (!b) return unknown_buffer(deck(d), buffer_id);
  const std::string what = buffer_name(d, buffer_id) + " gain";
  auto g = gain_db_to_linear(gain_db, what);
  if (!g) return g.error();
  auto frames = ramp_seconds_to_frames(ramp_seconds, cfg_.sample_rate_hz, what);
  if (!frames) return frames.error();
  b->set_gain(*g, *frames);
  return caf::unit;
}

caf::expected<void> Mixer::set_master_gain_db(double gain_db, double ramp_seconds) {
  auto g = gain_db_to_linear(gain_db, "master gain");
  if (!g) return g.error();
  auto frames = ramp_seconds_to_frames(ramp_seconds, cfg_.sample_rate_hz, "master gain");
  if (!frames) return frames.error();
  master_linear_ = *g;
  master_gain_.ramp_to(*g, *frames);
  return caf::unit;
}

void Mixer::set_deck_mute(DeckId d, bool muted) { deck(d).set_mute(muted); }

caf::expected<void> Mixer::set_buffer_mute(DeckId d, std::uint32_t buffer_id, bool muted) {
  auto* b = deck(d).find(buffer_id);
  if (!b) return unknown_buffer(deck(d), buffer_id);
  b->set_mute(muted);
  return caf::unit;
}

caf::expected<void> Mixer::set_loop(DeckId d, std::int64_t buffer_id, bool loop) {
  auto& dk = deck(d);
  if (buffer_id < 0) {
    for (const auto& kv : dk.buffers()) kv.second->set_loop(loop);
    return caf::unit;
  }
  auto* b = dk.find(static_cast<std::uint32_t>(buffer_id));
  if (!b) return unknown_buffer(dk, static_cast<std::uint32_t>(buffer_id));
  b->set_loop(loop);
  return caf::unit;
}

caf::expected<void> Mixer::set_eq_db(DeckId d, dsp::EqBand band, double gain_db) {
  if (std::isnan(gain_db) || gain_db > dsp::DjEq::kMaxGainDb) {
    std::ostringstream os;
    os << "deck " << to_string(d) << " EQ gain " << gain_db
       << " dB is out of range (allowed: kill (-inf or <= " << dsp::DjEq::kKillDb << ") to +" << dsp::DjEq::kMaxGainDb
       << " dB)";
    return make_error(errc::value_out_of_range, os.str());
  }
  if (!deck(d).set_eq_db(band, static_cast<float>(gain_db)))
    return make_error(errc::value_out_of_range, "deck " + to_string(d) + " EQ gain refused");
  return caf::unit;
}

caf::expected<void> Mixer::set_filter(DeckId d, double amount) {
  if (!deck(d).set_filter(amount)) {
    std::ostringstream os;
    os << "deck " << to_string(d) << " filter amount " << amount
       << " is out of range (allowed: -1 (low-pass) to 0 (off) to +1 (high-pass))";
    return make_error(errc::value_out_of_range, os.str());
  }
  return caf::unit;
}

caf::expected<void> Mixer::start_test_tone(double frequency_hz, double gain_db, double duration_seconds) {
  const double top_hz = std::min(test_tone::kMaxHz, 0.45 * cfg_.sample_rate_hz);
  auto refuse = [](const char* what, double v, const char* unit, double lo, double hi) {
    std::ostringstream os;
    os << "test tone " << what << " " << v << " " << unit << " is out of range (allowed: " << lo << " to " << hi << " "
       << unit << ")";
    return make_error(errc::value_out_of_range, os.str());
  };
  if (!(frequency_hz >= test_tone::kMinHz && frequency_hz <= top_hz))
    return refuse("frequency", frequency_hz, "Hz", test_tone::kMinHz, top_hz);
  if (!(gain_db >= test_tone::kMinGainDb && gain_db <= test_tone::kMaxGainDb))
    return refuse("level", gain_db, "dBFS", test_tone::kMinGainDb, test_tone::kMaxGainDb);
  if (!(duration_seconds >= test_tone::kMinSeconds && duration_seconds <= test_tone::kMaxSeconds))
    return refuse("duration", duration_seconds, "s", test_tone::kMinSeconds, test_tone::kMaxSeconds);
  test_tone_.start(frequency_hz, std::pow(10.0, gain_db / 20.0),
                   static_cast<std::uint64_t>(std::llround(duration_seconds * cfg_.sample_rate_hz)));
  return caf::unit;
}

void Mixer::schedule_start(std::vector<DeckId> decks, std::int64_t at_ns) {
  auto pos = std::upper_bound(scheduled_.begin(), scheduled_.end(), at_ns,
                              [](std::int64_t t, const ScheduledStart& s) { return t < s.at_ns; });
  scheduled_.insert(pos, ScheduledStart{at_ns, std::move(decks)});
}

caf::expected<void> Mixer::schedule_switch(DeckId d, std::uint32_t buffer_id, std::shared_ptr<FrameReader> reader,
                                           BufferInfo info, std::int64_t at_ns) {
  if (!deck(d).find(buffer_id)) return unknown_buffer(deck(d), buffer_id);
  for (const auto& s : switches_)
    if (!s.applied && s.deck == d && s.buffer_id == buffer_id)
      return make_error(errc::not_ready, buffer_name(d, buffer_id) + " already switches at mesh time " +
                                             std::to_string(s.at_ns) + " ns: one switch at a time");
  switches_.push_back(ScheduledSwitch{at_ns, d, buffer_id, std::move(reader), std::move(info)});
  return caf::unit;
}

std::size_t Mixer::scheduled_switches() const {
  return static_cast<std::size_t>(
      std::count_if(switches_.begin(), switches_.end(), [](const ScheduledSwitch& s) { return !s.applied; }));
}

std::size_t Mixer::release_switched() {
  std::size_t applied = 0;
  for (auto it = switches_.begin(); it != switches_.end();) {
    const bool gone = !deck(it->deck).find(it->buffer_id);
    if (it->applied) ++applied;
    if (it->applied || gone)
      it = switches_.erase(it);
    else
      ++it;
  }
  return applied;
}

void Mixer::drop_switch(DeckId d, std::uint32_t buffer_id) {
  switches_.erase(std::remove_if(switches_.begin(), switches_.end(),
                                 [&](const ScheduledSwitch& s) {
                                   return !s.applied && s.deck == d && s.buffer_id == buffer_id;
                                 }),
                  switches_.end());
}

Mixer::ScheduledSwitch* Mixer::next_switch() {
  ScheduledSwitch* best = nullptr;
  for (auto& s : switches_)
    if (!s.applied && (!best || s.at_ns < best->at_ns)) best = &s;
  return best;
}

void Mixer::render(float* out, std::size_t frames, std::int64_t pts_ns) {
  const std::size_t ch = static_cast<std::size_t>(cfg_.channels);
  std::size_t done = 0;
  while (pts_ns > 0) {
    // The earliest due event: a scheduled start or a section switch.
    auto* sw = next_switch();
    const bool start_first = !scheduled_.empty() && (!sw || scheduled_.front().at_ns <= sw->at_ns);
    if (!start_first && !sw) break;
    const std::int64_t at_ns = start_first ? scheduled_.front().at_ns : sw->at_ns;
    // First frame whose PTS >= T: ceil((T - pts) · rate / 1e9), within this block.
    const double delta = static_cast<double>(at_ns - pts_ns) * cfg_.sample_rate_hz / 1e9;
    const auto at = delta <= 0 ? std::size_t{0} : static_cast<std::size_t>(std::ceil(delta));
    if (at >= frames) break;
    if (at > done) {
      render_pass(out + done * ch, at - done, pts_after(pts_ns, done));
      done = at;
    }
    if (start_first) {
      for (auto d : scheduled_.front().decks)
        if (!play(d)) ++scheduled_failures_;
      scheduled_.erase(scheduled_.begin());
      continue;
    }
    if (auto* b = deck(sw->deck).find(sw->buffer_id)) b->swap_reader(sw->reader, sw->info);
    sw->applied = true;
  }
  render_pass(out + done * ch, frames - done, pts_after(pts_ns, done));
  if (pts_ns > 0) next_pts_ns_ = pts_after(pts_ns, frames);
}

std::int64_t Mixer::pts_after(std::int64_t pts_ns, std::size_t frames) const {
  if (pts_ns == 0) return 0;
  return pts_ns + static_cast<std::int64_t>(std::llround(static_cast<double>(frames) * 1e9 / cfg_.sample_rate_hz));
}

void Mixer::render_pass(float* out, std::size_t frames, std::int64_t pts_ns) {
  const std::size_t ch = static_cast<std::size_t>(cfg_.channels);
  std::size_t done = 0;
  while (frames > 0) {
    const std::size_t n = std::min(frames, cfg_.max_block_frames);
    std::fill(out, out + n * ch, 0.0f);
    const auto pts = pts_after(pts_ns, done);
    for (auto& d : decks_) d->render_add(out, n, pts);
    master_nonfinite_ += dsp::zero_nonfinite(out, n * ch);  // never NaN into the limiter or the DAC
    done += n;
    master_gain_.apply(out, n, cfg_.channels);
    test_tone_.add(out, n);
    limiter_.process(out, n);
    if (const std::size_t bad = dsp::zero_nonfinite(out, n * ch)) {  // the limiter's state went bad: start it afresh
      master_nonfinite_ += bad;
      limiter_.reset();
    }
    master_meter_.process(out, n, cfg_.channels);
    frames_rendered_ += n;
    out += n * ch;
    frames -= n;
  }
}

std::vector<std::string> Mixer::take_findings() {
  std::vector<std::string> out;
  for (auto& d : decks_)
    for (auto& kv : d->buffers()) {
      auto lines = kv.second->take_findings();
      out.insert(out.end(), lines.begin(), lines.end());
    }
  return out;
}

bool Mixer::starving(std::size_t frames) const {
  return std::any_of(decks_.begin(), decks_.end(), [frames](const auto& d) { return d->starving(frames); });
}

bool Mixer::any_playing() const {
  for (const auto& d : decks_)
    for (const auto& kv : d->buffers())
      if (kv.second->state() == BufferState::playing) return true;
  return false;
}

std::vector<std::shared_ptr<FrameReader>> Mixer::readers() const {
  std::vector<std::shared_ptr<FrameReader>> out;
  for (const auto& d : decks_)
    for (const auto& kv : d->buffers())
      if (kv.second->reader()) out.push_back(kv.second->reader());
  return out;
}

MixerStatus Mixer::status() {
  MixerStatus s;
  s.master_gain_db = gain_to_db(master_linear_);
  for (auto& d : decks_) {
    auto ds = d->status();
    for (const auto& b : ds.buffers) s.underrun_frames += b.underrun_frames;
    s.decks[static_cast<std::size_t>(index_of(d->id()))] = std::move(ds);
  }
  s.master_rms_dbfs = master_meter_.rms_dbfs();
  s.master_peak_dbfs = master_meter_.peak_dbfs();
  master_meter_.reset();
  s.limiter_reduction_db = limiter_.gain_reduction_db();
  s.limited_frames = limiter_.limited_frames();
  s.master_nonfinite_samples = master_nonfinite_;
  s.frames_rendered = frames_rendered_;
  if (test_tone_.active()) {
    s.test_tone_hz = test_tone_.frequency_hz();
    s.test_tone_remaining_seconds = static_cast<double>(test_tone_.remaining_frames()) / cfg_.sample_rate_hz;
  }
  return s;
}

}  // namespace crowdmesh::mixer
