#include "mixer/deck.hpp"
#include "dsp/sanitize.hpp"

#include <algorithm>

#include "common/decibel.hpp"

namespace crowdmesh::mixer {

Deck::Deck(DeckId id, const MixerConfig& cfg)
    : id_(id),
      cfg_(cfg),
      eq_(static_cast<float>(cfg.sample_rate_hz), cfg.channels),
      filter_(static_cast<double>(cfg.sample_rate_hz), cfg.channels),
      gain_(static_cast<float>(cfg.sample_rate_hz), cfg.gain_smoothing_ms, 1.0f),
      scratch_(cfg.max_block_frames * static_cast<std::size_t>(cfg.channels)) {}

DeckBuffer* Deck::find(std::uint32_t buffer_id) {
  auto it = buffers_.find(buffer_id);
  return it == buffers_.end() ? nullptr : it->second.get();
}

DeckBuffer& Deck::add_loading(std::uint32_t buffer_id, std::string path) {
  auto buf = std::make_unique<DeckBuffer>(buffer_id, std::move(path), cfg_.sample_rate_hz, cfg_.channels,
                                          cfg_.max_block_frames, cfg_.gain_smoothing_ms);
  auto& ref = *buf;
  buffers_[buffer_id] = std::move(buf);
  return ref;
}

bool Deck::remove(std::uint32_t buffer_id) { return buffers_.erase(buffer_id) > 0; }

void Deck::clear() { buffers_.clear(); }

bool Deck::ready() const {
  return std::any_of(buffers_.begin(), buffers_.end(), [](const auto& kv) {
    auto s = kv.second->state();
    return s == BufferState::ready || s == BufferState::playing || s == BufferState::stopped;
  });
}

bool Deck::loading() const {
  return !ready() && std::any_of(buffers_.begin(), buffers_.end(),
                                 [](const auto& kv) { return kv.second->state() == BufferState::loading; });
}

int Deck::play() {
  int started = 0;
  for (auto& kv : buffers_)
    if (kv.second->play()) ++started;
  return started;
}

void Deck::stop() {
  for (auto& kv : buffers_) kv.second->stop();
}

void Deck::update_target() { gain_.set_target(muted_ ? 0.0f : gain_linear_); }

void Deck::render_add(float* dst, std::size_t frames, std::int64_t pts_ns) {
  const std::size_t samples = frames * static_cast<std::size_t>(cfg_.channels);
  bool any = false;
  for (auto& kv : buffers_) {
    if (kv.second->state() != BufferState::playing) continue;
    if (!any) std::fill(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(samples), 0.0f);
    any = true;
    kv.second->render_add(scratch_.data(), frames, pts_ns);
  }
  if (!any) return;
  eq_.process(scratch_.data(), frames);
  filter_.process(scratch_.data(), frames);
  // Their input is finite; should their state still go non-finite, play the
  // block's bad samples as silence and start the filters afresh (counted).
  if (const std::size_t bad = dsp::zero_nonfinite(scratch_.data(), samples)) {
    dsp_nonfinite_ += bad;
    ++dsp_resets_;
    eq_.reset();
    filter_.reset();
  }
  gain_.apply(scratch_.data(), frames, cfg_.channels);
  meter_.process(scratch_.data(), frames, cfg_.channels);
  for (std::size_t i = 0; i < samples; ++i) dst[i] += scratch_[i];
}

bool Deck::starving(std::size_t frames) const {
  return std::any_of(buffers_.begin(), buffers_.end(),
                     [frames](const auto& kv) { return kv.second->starving(frames); });
}

DeckStatus Deck::status() {
  DeckStatus s;
  s.deck = id_;
  s.gain_db = gain_to_db(gain_linear_);
  s.muted = muted_;
  s.eq_db = {eq_.band_db(dsp::EqBand::low), eq_.band_db(dsp::EqBand::mid), eq_.band_db(dsp::EqBand::high)};
  s.filter_amount = filter_.amount();
  s.rms_dbfs = meter_.rms_dbfs();
  s.peak_dbfs = meter_.peak_dbfs();
  meter_.reset();
  for (const auto& kv : buffers_) s.buffers.push_back(kv.second->status());
  s.dsp_nonfinite_samples = dsp_nonfinite_;
  s.dsp_resets = dsp_resets_;
  return s;
}

}  // namespace crowdmesh::mixer
