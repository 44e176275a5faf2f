#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/errc.hpp"
#include "common/frame_reader.hpp"
#include "dsp/smoothed_gain.hpp"
#include "mixer/mixer_status.hpp"

namespace crowdmesh::mixer {

/// One buffer (track or stem) on a deck: a reader that runs ahead of the play
/// head, its gain/mute (smoothed) and its play state.
///
/// Thread contract: owned by the mixer (under its render lock); render_add() is
/// the consumer side of the reader and runs on the render thread (the playout
/// thread on a real-pace device): it neither allocates nor logs; what it
/// notices is said by take_findings() from the mixer actor.
class DeckBuffer {
 public:
  /// A buffer that is still loading (no reader yet).
  DeckBuffer(std::uint32_t id, std::string path, int sample_rate_hz, int channels, std::size_t max_block_frames,
             float smoothing_ms);

  std::uint32_t id() const { return id_; }
  BufferState state() const { return state_; }

  /// Loading finished: attaches the reader and its file info → ready (or keeps
  /// playing when it replaces the reader of a playing buffer, e.g. after a seek).
  void attach(std::shared_ptr<FrameReader> reader, BufferInfo info);
  /// Switches to another reader of the same buffer at once (a scheduled section
  /// switch): exchanges `reader` and `info` with the buffer's own, so the
  /// caller holds the old ones and frees them off the render thread. State
  /// and gain stay, the loop flag becomes the new reader's; an ended buffer
  /// plays again. Render thread;
  /// never allocates or frees.
  void swap_reader(std::shared_ptr<FrameReader>& reader, BufferInfo& info) noexcept;
  /// Loading failed: state failed, with the reason shown in status and the
  /// load's error code kept for load_error() (a buffer with a reader keeps
  /// playing it and only shows the reason).
  void fail(errc code, std::string reason);
  /// The code of the last failed load (meaningful in state failed).
  errc load_error() const { return load_error_; }

  /// Starts playback when ready/stopped/ended (ended restarts only after a seek
  /// reattached a reader); returns false when there is nothing to play.
  bool play();
  /// Stops playback after a fade-out of a few smoothing time constants (keeps
  /// the position); the state turns `stopped` once the fade is done.
  void stop();

  /// Buffer (stem) gain, linear; over `ramp_frames` frames (a linear fade) or
  /// smoothed (0). A muted or stopping buffer takes it when it plays again.
  void set_gain(float linear, std::uint64_t ramp_frames = 0) {
    gain_linear_ = linear;
    if (ramp_frames > 0 && !muted_ && !stopping_)
      gain_.ramp_to(linear, ramp_frames);
    else
      update_target();
  }
  void set_mute(bool muted) {
    muted_ = muted;
    update_target();
  }
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
  /// Log lines for what render_add() noticed since the last call: a new
  /// underrun burst (FIFO fill, block size, bursts since), NaN/inf in the file
  /// (once). Not real-time (allocates); call from the mixer actor.
  std::vector<std::string> take_findings();

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
  bool underrunning_ = false;               // in an underrun burst now
  std::uint64_t underrun_bursts_ = 0;       // bursts started (render thread)
  std::uint64_t underrun_bursts_said_ = 0;  // of which take_findings() reported
  std::size_t burst_fifo_frames_ = 0;       // the latest burst: FIFO fill and block size
  std::size_t burst_block_frames_ = 0;
  std::uint64_t nonfinite_samples_ = 0;  // NaN/inf read from the source, replaced by 0.0
  std::uint64_t nonfinite_said_ = 0;
  bool loop_ = false;
  std::uint64_t underrun_frames_ = 0;
  std::string error_;
  errc load_error_ = errc::not_ready;
  std::vector<float> scratch_;
};

}  // namespace crowdmesh::mixer
