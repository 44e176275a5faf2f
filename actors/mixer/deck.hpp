#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "common/deck.hpp"
#include "dsp/dj_eq.hpp"
#include "dsp/dj_filter.hpp"
#include "dsp/level_meter.hpp"
#include "dsp/smoothed_gain.hpp"
#include "mixer/deck_buffer.hpp"
#include "mixer/mixer_config.hpp"

namespace crowdmesh::mixer {

/// One deck (A–D): any number of buffers summed, then the deck's 3-band DJ EQ,
/// its one-knob DJ filter, its gain/mute (smoothed) and a level meter.
///
/// Thread contract: owned by the mixer thread. render_add() does not allocate.
class Deck {
 public:
  Deck(DeckId id, const MixerConfig& cfg);

  DeckId id() const { return id_; }

  /// The buffer with that id, or null.
  DeckBuffer* find(std::uint32_t buffer_id);
  /// Creates (or replaces, stopping the old one) a buffer in the loading state.
  DeckBuffer& add_loading(std::uint32_t buffer_id, std::string path);
  /// Removes a buffer; false when unknown.
  bool remove(std::uint32_t buffer_id);
  /// Removes every buffer.
  void clear();
  /// Buffers of this deck by id.
  const std::map<std::uint32_t, std::unique_ptr<DeckBuffer>>& buffers() const { return buffers_; }

  /// True when at least one buffer is ready, playing or stopped (can play now).
  bool ready() const;
  /// True while a buffer is loading and none can play yet.
  bool loading() const;
  /// Plays every buffer that can play; returns how many started.
  int play();
  /// Stops every buffer.
  void stop();

  /// Deck fader, linear; reached over `ramp_frames` frames (a linear fade,
  /// SmoothedGain::ramp_to), or smoothed (0). A muted deck takes the new gain
  /// when unmuted.
  void set_gain(float linear, std::uint64_t ramp_frames = 0) {
    gain_linear_ = linear;
    if (ramp_frames > 0 && !muted_)
      gain_.ramp_to(linear, ramp_frames);
    else
      update_target();
  }
  void set_mute(bool muted) {
    muted_ = muted;
    update_target();
  }
  /// See dsp::DjEq::set_band_db.
  bool set_eq_db(dsp::EqBand band, float gain_db) { return eq_.set_band_db(band, gain_db); }
  /// See dsp::DjFilter::set_amount (−1 low-pass … 0 off … +1 high-pass).
  bool set_filter(double amount) { return filter_.set_amount(amount); }

  /// Mixes this deck's `frames` frames into `dst` (interleaved).
  /// `pts_ns`: mesh time of dst's first frame at the DAC (0 = unknown).
  void render_add(float* dst, std::size_t frames, std::int64_t pts_ns = 0);
  /// True when a playing buffer waits for its reader (see DeckBuffer::starving).
  bool starving(std::size_t frames) const;

  /// Snapshot; resets the level meter.
  DeckStatus status();

 private:
  void update_target();

  DeckId id_;
  MixerConfig cfg_;
  std::map<std::uint32_t, std::unique_ptr<DeckBuffer>> buffers_;
  dsp::DjEq eq_;
  dsp::DjFilter filter_;
  std::uint64_t dsp_nonfinite_ = 0;  // samples the EQ/filter turned non-finite (played as 0)
  std::uint64_t dsp_resets_ = 0;     // times their state was reset for it
  dsp::SmoothedGain gain_;
  dsp::LevelMeter meter_;
  float gain_linear_ = 1.0f;
  bool muted_ = false;
  std::vector<float> scratch_;
};

}  // namespace crowdmesh::mixer
