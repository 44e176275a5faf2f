#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/frame_reader.hpp"
#include "dsp/smoothed_gain.hpp"
#include "mixer/mixer_status.hpp"

namespace crowdmesh::mixer {

/// One buffer (track or stem) on a deck: a reader that runs ahead of the play
/// head, its gain/mute (smoothed) and its play state.
///
/// Thread contract: owned by the mixer thread; render_add() is the consumer side
/// of the reader. Not real-time code, but render_add() does not allocate.
class DeckBuffer {
 public:
  /// A buffer that is still loading (no reader yet).
  DeckBuffer(std::uint32_t id, std::string path, int sample_rate_hz, int channels,
             std::size_t max_block_frames, float smoothing_ms);

  std::uint32_t id() const { return id_; }
  BufferState state() const { return state_; }

  /// Loading finished: attaches the reader and its file info → ready (or keeps
  /// playing when it replaces the reader of a playing buffer, e.g. after a seek).
  void attach(std::shared_ptr<FrameReader> reader, BufferInfo info);
  /// Loading failed: state failed, with the reason shown in status.
  void fail(std::string reason);

  /// Starts playback when ready/stopped/ended (ended restarts only after a seek
  /// reattached a reader); returns false when there is nothing to play.
  bool play();
  /// Stops playback after a fade-out of a few smoothing time constants (keeps
  /// the position); the state turns `stopped` once the fade is done.
  void stop();

  void set_gain(float linear) { gain_linear_ = linear; update_target(); }
  void set_mute(bool muted) { muted_ = muted; update_target(); }
  void set_loop(bool loop);

  /// Mixes `frames` frames into `dst` (interleaved, channels) when playing:
  /// reads the reader, counts a shortfall while the reader has not finished as
  /// underrun frames, turns to `ended` when the reader finished.
  /// `pts_ns`: mesh time at which dst's first frame reaches the DAC (0 =
  /// unknown), passed on to the reader (FrameReader::mark_presentation()).
  void render_add(float* dst, std::size_t frames, std::int64_t pts_ns = 0);

  /// True when playing and the reader holds fewer than `frames` frames but has
  /// not finished (an offline render should wait for the reader).
  bool starving(std::size_t frames) const;

  /// The reader (for the process that fills it), or null while loading.
  const std::shared_ptr<FrameReader>& reader() const { return reader_; }

  BufferStatus status() const;

 private:
  void update_target();

  std::uint32_t id_;
  int sample_rate_hz_;
  int channels_;
  BufferState state_ = BufferState::loading;
  BufferInfo info_;
  std::shared_ptr<FrameReader> reader_;
  dsp::SmoothedGain gain_;
  float gain_linear_ = 1.0f;
  bool muted_ = false;
  bool stopping_ = false;
  bool underrunning_ = false;  // for one log line per underrun burst
  bool loop_ = false;
  std::uint64_t underrun_frames_ = 0;
  std::string error_;
  std::vector<float> scratch_;
};

}  // namespace crowdmesh::mixer
