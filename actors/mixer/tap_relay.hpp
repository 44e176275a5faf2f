#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/audio_block.hpp"
#include "rt/spsc_queue.hpp"
#include "rt/spsc_ring.hpp"
#include "rt/wake_signal.hpp"

namespace crowdmesh::mixer {

/// Carries the blocks that the playout thread renders to the mixer's tap (the
/// master stream: level meter, mesh audio publish, local encoders) on a
/// normal-priority thread of its own.
///
/// The tap allocates chunks, takes the publisher's mutex and may be preempted
/// while holding it; done on the real-time render thread, any of that can keep
/// the device ring from being refilled (a producer underrun). Here the render
/// side only copies the samples into a preallocated SpscRing and appends a
/// block record to an SpscQueue: wait-free, no allocation, no lock, no
/// syscall. The relay thread drains both every 50 ms. A full relay drops the block (counted in Stats::dropped; the tap
/// sees a jump in first_frame) rather than make the render thread wait.
///
/// Thread contract: push() from one render thread; set_title()/stats()/stop()
/// from any other thread; the tap runs on the relay's own thread ("cm.tap").
class TapRelay {
 public:
  /// The tap: one rendered block (interleaved, frames × channels) and the
  /// now-playing title (may be empty).
  using Tap = std::function<void(const AudioBlock&, const std::string& title)>;

  /// Counters since start.
  struct Stats {
    std::uint64_t relayed = 0;  ///< blocks handed to the tap
    std::uint64_t dropped = 0;  ///< blocks dropped because the relay was full
    std::uint64_t drains = 0;   ///< times the relay thread woke and drained the queue
  };

  /// Preallocates `capacity_frames` frames of `channels` interleaved floats
  /// (rounded up to a power of two) and starts the relay thread.
  /// `sample_rate_hz` is copied into every block. `prompt` (optional, asked on
  /// the relay thread after each drain, must not block): whether the tap's
  /// consumers want each block within 50 ms (a stream subscriber, a local
  /// encoder, someone watching the meters); the relay then drains every
  /// 50 ms, otherwise every 500 ms, which spares 18 wake-ups a second of an
  /// unwatched node. Without it, always every 50 ms. Size the room for
  /// 500 ms plus the largest block batch the render thread pushes at once.
  /// Not real-time.
  TapRelay(Tap tap, int channels, int sample_rate_hz, std::size_t capacity_frames,
           std::function<bool()> prompt = {});
  /// stop().
  ~TapRelay();
  TapRelay(const TapRelay&) = delete;
  TapRelay& operator=(const TapRelay&) = delete;

  /// Render thread: queues `frames` interleaved frames whose first frame is
  /// stream frame `first_frame` with presentation time `pts_ns` (mesh clock).
  /// Returns false (and counts a drop) when the relay is full or stopped.
  /// Wait-free, never allocates, no syscall.
  bool push(const float* samples, std::uint32_t frames, std::uint64_t first_frame, std::int64_t pts_ns) noexcept;
  /// The title given to the tap with the blocks relayed from now on.
  void set_title(std::string title);
  /// Hands what is queued to the tap, then ends the thread. Idempotent; no
  /// push() may run concurrently with or after it.
  void stop();
  Stats stats() const noexcept;

 private:
  struct Record {
    std::uint64_t first_frame;
    std::int64_t pts_ns;
    std::uint32_t frames;
  };
  void run();
  bool relay_one();
  std::shared_ptr<std::vector<float>> take_vector(std::size_t samples);

  Tap tap_;
  std::function<bool()> prompt_;
  int channels_;
  int sample_rate_hz_;
  rt::SpscRing samples_;
  rt::SpscQueue<Record> records_;
  rt::WakeSignal wake_;  // posted by stop() only
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> relayed_{0}, dropped_{0}, drains_{0};
  std::mutex title_mutex_;
  std::string title_;
  std::vector<std::shared_ptr<std::vector<float>>> pool_;  // relay thread only
  std::thread thread_;
};

}  // namespace crowdmesh::mixer
