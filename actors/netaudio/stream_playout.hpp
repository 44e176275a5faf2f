#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "caf/expected.hpp"
#include "mixer/render_port.hpp"
#include "netaudio/block_sink.hpp"
#include "netaudio/remote_feed.hpp"
#include "rt/pi_mutex.hpp"
#include "rt/seqlock.hpp"

namespace crowdmesh::netaudio {

/// Settings of a StreamPlayout.
struct StreamPlayoutConfig {
  int channels = 2;                               ///< interleaved channels of every block, ≥ 1
  int rate_hz = 48000;                            ///< mesh rate (the PTS grid), Hz, > 0
  std::uint32_t max_latency_frames = 48000;       ///< delay-line capacity: the largest source latency, frames
  std::uint32_t max_frames_per_call = 4096;       ///< scratch size; longer render() calls are cut into such blocks
};

/// What the device's playout thread renders through instead of the mixer
/// directly (docs/ARCHITECTURE.md, "Remote playout core"). Three modes,
/// which combine:
///  - local (always): the mixer's output at the block's PTS;
///  - source (start_source): the mixer renders L frames ahead (PTS + L),
///    every block goes to a BlockSink with that PTS, and the local output
///    plays it L frames later through a delay line, so that this room and
///    the rooms that play the stream at its PTS hear it together;
///  - remote (play_remote): a RemoteFeed's frames at the block's PTS, mixed
///    with the local output or in its place. Source and remote together are
///    allowed: the feed is mixed into the delayed local output.
/// Every change fades (no click): see each method.
///
/// Threading: render() holds a priority-inheriting mutex, which the control
/// calls take briefly to set what the next block does (the pattern of
/// mixer::RenderPort). Sinks and feeds are held by shared_ptrs on the control
/// side; the render thread only uses them, so it never frees one. Figures
/// leave through an rt::Seqlock. All buffers come from the constructor:
/// render() does not allocate. Destroy it only once no thread renders through it
/// (detach it from the device's RenderPort first).
class StreamPlayout {
 public:
  /// Allocates the delay line ((max_latency_frames + max_frames_per_call) ×
  /// channels floats) and the scratch blocks. `mixer`: the node's mixer
  /// RenderPort; null (or detached) renders silence. Not real-time.
  StreamPlayout(const StreamPlayoutConfig& config, std::shared_ptr<mixer::RenderPort> mixer);
  StreamPlayout(const StreamPlayout&) = delete;
  StreamPlayout& operator=(const StreamPlayout&) = delete;

  /// Render thread (attach it to the device's RenderPort): fills `out`
  /// (frames × channels interleaved floats) with what plays from mesh time
  /// `pts_ns` (the PTS of the first frame, ns). Mode changes made since the
  /// last call take effect at this block. RT-safe: no allocation, no
  /// syscall beyond the priority-inheriting mutexes (its own, the mixer's).
  void render(float* out, std::size_t frames, std::int64_t pts_ns) noexcept;

  /// Control thread. Source mode with `latency_frames` L (1..max_latency_frames):
  /// from the next block on, the mixer renders with PTS + L frames, every
  /// rendered block is pushed to `sink` (may be null: nothing is sent) with
  /// that PTS, and the local output plays it L frames later. Engaging (or
  /// changing L while engaged): the block playing fades out over that block,
  /// then silence until the delayed audio arrives, which fades in over as many
  /// frames (the same frames that faded out). A new sink with the same L
  /// only replaces the sink (the old one is released here, after the lock).
  /// Errors: errc::value_out_of_range (nothing changes) for L = 0 or
  /// L > max_latency_frames.
  caf::expected<void> start_source(std::shared_ptr<BlockSink> sink, std::uint32_t latency_frames);

  /// Control thread. Leaves source mode: the next block cross-fades from
  /// the delayed output to the undelayed mixer output (the L frames still
  /// in the delay line are dropped), and the mixer renders at the block's
  /// own PTS again. The sink is released here (after the lock), never on the
  /// render thread. No effect when not in source mode.
  void stop_source();

  /// Control thread. Remote mode: the output adds `feed`'s frames at each
  /// block's PTS (fading in over the first block). With `mix_local` the
  /// local output goes on; without, it fades out over that block (the mixer
  /// is still rendered, so its timeline and tap go on, and its output is
  /// discarded). A second call replaces the feed (cross-fade over one block)
  /// or only switches mix_local (the local output fades). A null `feed` is stop_remote().
  void play_remote(std::shared_ptr<RemoteFeed> feed, bool mix_local);

  /// Control thread. Ends remote mode: the feed fades out over the next block
  /// (and the local output fades back in if it was off). The feed is released
  /// off the render thread: by the first control call (or release_unused(),
  /// or the destructor) after that block was rendered.
  void stop_remote();

  /// Control thread: releases the feeds the render thread no longer uses
  /// (e.g. after stop_remote() once a block was rendered). Every control call
  /// does this too.
  void release_unused();

  /// Figures as of the last rendered block (mode fields: as applied by the render thread).
  struct Stats {
    bool source = false;               ///< source mode applied
    std::uint32_t latency_frames = 0;  ///< its L, frames (0 when not source)
    bool remote = false;               ///< a remote feed is playing
    bool mix_local = true;             ///< the local output is heard (always true when not remote)
    std::uint64_t blocks = 0;          ///< blocks rendered (after cutting at max_frames_per_call)
    std::uint64_t sink_drops = 0;      ///< blocks the sink refused (push returned false)
    std::uint64_t remote_frames = 0;   ///< frames read from remote feeds
    std::uint64_t remote_missing_frames = 0;  ///< of those, concealed (JitterBufferRead::missing)
    bool remote_started = false;       ///< the current feed's last read had a stream (JitterBufferRead::started)
  };
  /// Any thread (through an rt::Seqlock; never blocks the render thread).
  Stats stats() const;

 private:
  void render_block(float* out, std::uint32_t n, std::int64_t pts_ns) noexcept;
  void local_block(float* out, std::uint32_t n, bool source, std::uint32_t latency) noexcept;
  void read_delay(float* dst, std::uint32_t n, std::uint32_t latency) const noexcept;
  void write_delay(const float* src, std::uint32_t n) noexcept;
  void fade_delay_in(std::uint32_t n) noexcept;
  void add_feed(RemoteFeed* feed, float* out, std::uint32_t n, std::int64_t pts_ns, int ramp) noexcept;
  // Under mutex_: moves the feed owners the render thread no longer needs into `out`.
  void take_unused(std::array<std::shared_ptr<RemoteFeed>, 3>& out) noexcept;

  const StreamPlayoutConfig cfg_;
  const std::uint32_t channels_;
  const std::shared_ptr<mixer::RenderPort> mixer_;
  rt::PiMutex mutex_;

  // What the next block does: written by the control calls under mutex_.
  bool want_source_ = false;
  std::uint32_t want_latency_ = 0;
  BlockSink* sink_ = nullptr;
  RemoteFeed* want_feed_ = nullptr;
  bool want_mix_local_ = true;
  // Control side only (changed under mutex_): the owners.
  std::shared_ptr<BlockSink> sink_owner_;
  std::array<std::shared_ptr<RemoteFeed>, 3> feed_owners_;

  // Render state: the render thread, under mutex_.
  bool cur_source_ = false;
  std::uint32_t cur_latency_ = 0;
  RemoteFeed* cur_feed_ = nullptr;
  bool cur_local_on_ = true;
  std::uint64_t written_ = 0;      // frames written to the delay line
  std::uint64_t engaged_at_ = 0;   // delay-line frame of the engage: earlier frames read as silence
  std::size_t delay_frames_;       // delay-line capacity, frames
  std::vector<float> delay_;
  std::vector<float> mix_;
  std::vector<float> feed_buf_;
  Stats figures_;
  rt::Seqlock<Stats> published_;
};

}  // namespace crowdmesh::netaudio
