#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "common/deck.hpp"
#include "dsp/level_meter.hpp"
#include "dsp/smoothed_gain.hpp"
#include "dsp/soft_limiter.hpp"
#include "dsp/test_tone.hpp"
#include "mixer/deck.hpp"
#include "mixer/mixer_config.hpp"
#include "mixer/mixer_status.hpp"

namespace crowdmesh::mixer {

/// The mixer core: decks A–D → master gain (+ test tone) → soft limiter → meters. Knows
/// nothing of CAF or devices: the mixer actor turns commands into calls here
/// and asks render() for the frames the device wants.
///
/// Every setter validates its input and returns an error that names the
/// control, the value and the allowed range; on error nothing changes.
///
/// Thread contract: one thread (the mixer actor's). render() does not allocate.
class Mixer {
 public:
  explicit Mixer(const MixerConfig& cfg);

  const MixerConfig& config() const { return cfg_; }

  /// The deck, always valid for a DeckId.
  Deck& deck(DeckId id) { return *decks_[static_cast<std::size_t>(index_of(id))]; }

  /// Registers a load. A new id (or one that is loading or failed) becomes a
  /// loading buffer. A buffer that holds audio (ready, playing, stopped,
  /// ended) plays on as it is until the new file opens (a reload): a load that
  /// fails changes nothing. While a reload is pending the deck counts as
  /// loading for play and start together (reloading()). Errors:
  /// value_out_of_range when `buffer_id` is new and the deck already holds
  /// kMaxBuffersPerDeck buffers (nothing changes).
  caf::expected<void> begin_load(DeckId deck, std::uint32_t buffer_id, std::string path);
  /// Completes a load: attaches the reader to the loading buffer, or replaces
  /// a reloaded buffer with a fresh one holding the new file (state ready).
  /// Also swaps the reader of a buffer in place (seek: state, gain and loop
  /// kept). Errors: unknown_buffer when the buffer was unloaded meanwhile (the
  /// reader is dropped).
  caf::expected<void> finish_load(DeckId deck, std::uint32_t buffer_id, std::shared_ptr<FrameReader> reader,
                                  BufferInfo info);
  /// Marks a loading buffer as failed with the load's error (its sentence is
  /// shown in status; play() on the buffer then answers with the same code,
  /// e.g. file_not_found); a reloaded buffer keeps its earlier audio, untouched.
  void fail_load(DeckId deck, std::uint32_t buffer_id, errc code, std::string reason);
  /// True while a reload of one of the deck's buffers is pending.
  bool reloading(DeckId deck) const;
  /// Removes a buffer. Errors: unknown_buffer.
  caf::expected<void> unload(DeckId deck, std::uint32_t buffer_id);

  /// Plays every buffer of the deck that can play. Errors: not_ready (names
  /// what is loading/failed), unknown_buffer when the deck has no buffer.
  caf::expected<void> play(DeckId deck);
  /// The errors play() would give, without starting anything.
  caf::expected<void> can_play(DeckId deck);
  /// Plays one buffer. Errors: unknown_buffer, not_ready.
  caf::expected<void> play_buffer(DeckId deck, std::uint32_t buffer_id);
  /// Stops the deck (fade-out).
  void stop(DeckId deck);
  /// Stops every deck and drops the scheduled starts; with `unload_buffers`,
  /// also removes every buffer of every deck (OSC /mixer_cleanup). Returns the
  /// number of buffers removed.
  std::size_t reset(bool unload_buffers);
  /// Stops one buffer. Errors: unknown_buffer.
  caf::expected<void> stop_buffer(DeckId deck, std::uint32_t buffer_id);

  /// Deck gain in dB ([kMinGainDb, kMaxGainDb], −inf = silence), reached in
  /// `ramp_seconds` (0..kMaxRampSeconds; 0 = smoothed step): a linear fade in
  /// amplitude starting at the next rendered frame and landing on the gain
  /// exactly. Errors: value_out_of_range (gain or ramp); nothing changes then.
  caf::expected<void> set_deck_gain_db(DeckId deck, double gain_db, double ramp_seconds = 0.0);
  /// Several deck gains as one change: every value is checked first (one bad
  /// value changes nothing), then all are set together, so they take effect in
  /// the same rendered frame, each over `ramp_seconds` (a crossfade).
  caf::expected<void> set_deck_levels(const std::vector<std::pair<DeckId, double>>& levels, double ramp_seconds = 0.0);
  /// Buffer gain in dB, same range and ramp. Errors also unknown_buffer.
  caf::expected<void> set_buffer_gain_db(DeckId deck, std::uint32_t buffer_id, double gain_db,
                                         double ramp_seconds = 0.0);
  /// Master gain in dB, same range and ramp as set_deck_gain_db().
  caf::expected<void> set_master_gain_db(double gain_db, double ramp_seconds = 0.0);
  void set_deck_mute(DeckId deck, bool muted);
  caf::expected<void> set_buffer_mute(DeckId deck, std::uint32_t buffer_id, bool muted);
  /// Loop every buffer of the deck (buffer_id < 0) or one buffer.
  caf::expected<void> set_loop(DeckId deck, std::int64_t buffer_id, bool loop);
  /// EQ band gain in dB: from kill (≤ −60 dB or −inf) to +6 dB. Errors: value_out_of_range.
  caf::expected<void> set_eq_db(DeckId deck, dsp::EqBand band, double gain_db);
  /// DJ filter amount: −1 (low-pass at 100 Hz) … 0 (off) … +1 (high-pass at
  /// 10 kHz), see dsp::DjFilter; moves smoothly. Errors: value_out_of_range
  /// (NaN or outside −1..+1), nothing changed.
  caf::expected<void> set_filter(DeckId deck, double amount);
  /// Plays a sine test tone for checking speakers: frequency_hz, peak level
  /// gain_db (dBFS) and duration_seconds within common/test_tone_range.hpp,
  /// frequency also below 0.45 × the sample rate. It is added to the master
  /// bus after the master gain (its level does not depend on the fader) and
  /// before the limiter, with 10 ms fades; a new tone replaces a playing one.
  /// Errors: value_out_of_range naming the value and its range, nothing changed.
  caf::expected<void> start_test_tone(double frequency_hz, double gain_db, double duration_seconds);

  /// Renders `frames` interleaved frames (channels from the config) into out,
  /// splitting into max_block_frames passes. Never fails: missing reader data
  /// is silence counted as underrun frames on that buffer.
  /// `pts_ns`: mesh time at which out's first frame leaves the speakers (0 =
  /// unknown). A scheduled start whose time T falls in this block starts its
  /// decks at the first frame whose PTS ≥ T (sample-accurate); with an unknown
  /// PTS scheduled starts wait.
  void render(float* out, std::size_t frames, std::int64_t pts_ns = 0);

  /// Mesh time the next rendered frame reaches the DAC, ns: the end of the
  /// last render() with a known PTS (0 = none yet).
  std::int64_t next_pts_ns() const { return next_pts_ns_; }

  /// Starts `decks` at mesh time `at_ns` (see render()). Decks that cannot
  /// play by then are skipped and counted (scheduled_failures()).
  void schedule_start(std::vector<DeckId> decks, std::int64_t at_ns);
  /// Scheduled starts not applied yet.
  std::size_t scheduled_starts() const { return scheduled_.size(); }
  /// Decks a scheduled start could not play when it came due.
  std::uint64_t scheduled_failures() const { return scheduled_failures_; }

  /// Switches buffer `buffer_id` of `deck` to `reader` (a song section's
  /// region, opened and filled ahead) at mesh time `at_ns`: at the first frame
  /// whose PTS ≥ at_ns, sample-accurate, like a scheduled start; a time already
  /// past switches at the next rendered frame. A load, seek or unload of the
  /// buffer drops its pending switch (finish_load(), unload()). Errors:
  /// unknown_buffer; not_ready while a switch of that buffer is pending (one
  /// at a time; nothing changes). Allocates (mixer actor thread, under the
  /// render lock).
  caf::expected<void> schedule_switch(DeckId deck, std::uint32_t buffer_id, std::shared_ptr<FrameReader> reader,
                                      BufferInfo info, std::int64_t at_ns);
  /// Switches not applied yet.
  std::size_t scheduled_switches() const;
  /// Frees the readers that applied switches replaced (off the render thread)
  /// and forgets those switches, and the pending switches of buffers no longer
  /// loaded; returns how many applied since the last call. Mixer actor thread.
  std::size_t release_switched();

  /// True when a playing buffer's reader holds fewer than `frames` frames and
  /// has not finished: an offline render should let the readers catch up first.
  bool starving(std::size_t frames) const;
  /// Log lines of every buffer's take_findings() (underrun bursts, NaN files).
  /// Not real-time; the mixer actor calls it once a second.
  std::vector<std::string> take_findings();

  /// True when some buffer is playing.
  bool any_playing() const;

  /// Every reader currently attached (for the process that fills them).
  std::vector<std::shared_ptr<FrameReader>> readers() const;

  /// Snapshot; resets the level meters.
  MixerStatus status();

 private:
  MixerConfig cfg_;
  std::array<std::unique_ptr<Deck>, kDeckCount> decks_;
  dsp::SmoothedGain master_gain_;
  std::uint64_t master_nonfinite_ = 0;  // NaN/inf found on the master bus, zeroed
  float master_linear_ = 1.0f;
  dsp::SoftLimiter limiter_;
  dsp::TestToneGenerator test_tone_;
  dsp::LevelMeter master_meter_;
  std::uint64_t frames_rendered_ = 0;
  std::int64_t next_pts_ns_ = 0;
  struct ScheduledStart {
    std::int64_t at_ns;
    std::vector<DeckId> decks;
  };
  std::vector<ScheduledStart> scheduled_;  // sorted by at_ns
  struct ScheduledSwitch {
    std::int64_t at_ns;
    DeckId deck;
    std::uint32_t buffer_id;
    std::shared_ptr<FrameReader> reader;  // the new reader; after the switch, the old one
    BufferInfo info;
    bool applied = false;  // set by the render thread; release_switched() frees it
  };
  std::vector<ScheduledSwitch> switches_;
  // The earliest switch not applied yet, or null.
  ScheduledSwitch* next_switch();
  // Forgets the pending switch of a buffer whose reader was replaced or removed.
  void drop_switch(DeckId deck, std::uint32_t buffer_id);
  std::uint64_t scheduled_failures_ = 0;
  // Buffers (deck index, id) that hold audio while their new file opens.
  std::set<std::pair<int, std::uint32_t>> reloads_;

  void render_pass(float* out, std::size_t frames, std::int64_t pts_ns);
  // PTS of the frame `frames` after one with PTS pts_ns (0 stays unknown).
  std::int64_t pts_after(std::int64_t pts_ns, std::size_t frames) const;
};

}  // namespace crowdmesh::mixer
