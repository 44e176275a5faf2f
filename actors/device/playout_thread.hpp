#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "caf/expected.hpp"
#include "common/mesh_time.hpp"
#include "device/device_callback.hpp"
#include "rt/wake_signal.hpp"
#include "device/playout_stage.hpp"
#include "mixer/render_port.hpp"
#include "rt/seqlock.hpp"

namespace crowdmesh::device {

/// Settings of the playout thread.
struct PlayoutConfig {
  int channels = 2;            ///< interleaved output channels
  int sample_rate_hz = 48000;  ///< nominal rate of the mesh timeline and of the card, Hz
  int period_frames = 256;     ///< device period, frames
  int target_periods = 4;      ///< ring fill kept ahead of the device, periods
  /// Least audio the output ring should still hold when the playout thread
  /// is woken to refill it, ms (≥ 0). The thread is woken once per batch of
  /// batch_periods() periods and renders them in one go: with long periods
  /// (1024 frames at 44.1 kHz: 23 ms) the ring's target of several periods
  /// holds more than it needs, and every wake-up saved is a context switch
  /// of two threads. Short periods, or 0: one wake-up per period (the lead is
  /// then (target_periods − 1) periods, as before batching).
  int min_wake_lead_ms = 40;
  /// SCHED_FIFO priority of the thread: below the device's (the virtual clock
  /// asks 70; JACK's clients run near 70–80), above every normal thread.
  int priority = 60;
  /// The node's mesh time function (written by the mesh gateway).
  std::shared_ptr<const MeshTimeSource> mesh_time;
  /// The mixer to render from.
  std::shared_ptr<mixer::RenderPort> render_port;
};

/// What the playout thread reports (telemetry, doctor, the run summary).
struct PlayoutStats {
  PlayoutStage::Stats stage;  ///< error, correction, realigns (see PlayoutStage)
  /// Realigns since the loop first locked (a stall or a clock step after lock;
  /// the "realigns after lock" figure of docs/BENCHMARKS.md).
  std::uint64_t realigns_after_lock = 0;
  std::uint64_t wakeups = 0;          ///< period signals the thread woke for (one per batch of periods)
  int batch_periods = 1;              ///< periods refilled per wake-up (PlayoutThread::batch_periods())
  std::uint64_t wake_timeouts = 0;    ///< waits that ended without a period signal (device stalled or stopped)
  std::uint64_t render_failures = 0;  ///< blocks rendered as silence because no mixer was attached
  std::int64_t first_mesh_frame = 0;  ///< mesh frame of the first mixer frame played (PTS grid index)
  /// Mesh time at which device frame 0 (a recording's first frame) reached the
  /// DAC, from the first period's DAC time; 0 before it.
  std::int64_t first_frame_dac_mesh_ns = 0;
  /// Longest time one wake-up's work (read the DAC time, render, resample,
  /// write the ring) took, ns; more than a period or two means the ring
  /// can run dry (the render waited for the mixer's lock, or the thread
  /// was preempted).
  std::int64_t longest_work_ns = 0;
  /// Longest CPU time one wake-up's work took on the playout thread, ns
  /// (rt::thread_cpu_now_ns: preemption, a host stall and the lock wait below
  /// do not count). This, plus the lock wait, is what the product controls: more than a
  /// period of it is a product fault whatever the host did; longest_work_ns
  /// beyond it is time the host took from the thread.
  std::int64_t longest_work_cpu_ns = 0;
  /// Longest time one wake-up waited for the render port's lock while the
  /// mixer actor held it (wall time, ns; mixer::RenderPort::render).
  std::int64_t longest_render_lock_wait_ns = 0;
  /// Longest time from the device's period signal to the playout thread
  /// running, ns: the host's scheduling latency for this thread (not ours
  /// to control beyond its priority).
  std::int64_t longest_wake_latency_ns = 0;
  /// Wake-ups whose latency plus work outlasted what the ring held when the
  /// period signal came ((target_periods − batch_periods) periods): the host stalled
  /// the thread long enough for the card to find the ring short. A producer
  /// underrun with this at 0 is a product fault; with it above 0 the host
  /// (or the product's work, see longest_work_ns) stalled the path.
  std::uint64_t stalls_past_ring = 0;
  std::string scheduling;       ///< e.g. "SCHED_FIFO 60" or why it runs at normal priority
  std::string dac_time_source;  ///< where DAC times come from (DacTimeSource name)
};

/// Render + drift-locked playout on a dedicated thread (docs/ARCHITECTURE.md,
/// "Clocks and multi-room"): woken by the device after the period that
/// leaves the output ring batch_periods() below its target (a
/// rt::WakeSignal posted by the callback; every period when periods are
/// short), it reads that period's DAC time, maps it to mesh time, lets the
/// PlayoutStage steer its resampling ratio, then renders mesh frames through
/// the RenderPort and keeps the device's output ring `target_periods` full.
/// The loop takes one DAC report per wake-up; its gains are per second of
/// ring frames, so fewer reports only pass a little more report jitter. No
/// CAF timer or actor is on this path, so a busy actor pool cannot starve
/// the ring.
///
/// Mesh timeline: frame m of the shared grid has PTS = m × 1e9 / rate (ns on
/// the mesh clock); every node uses the same grid, so a scheduled start lands
/// on the same frame everywhere.
///
/// Thread contract: start()/stop()/stats() from the owning (device actor)
/// thread; the playout thread is the only one that renders and writes the ring.
class PlayoutThread {
 public:
  /// Keeps the config and the callback (which must outlive this object).
  PlayoutThread(PlayoutConfig cfg, DeviceCallback& cb);
  ~PlayoutThread();
  PlayoutThread(const PlayoutThread&) = delete;
  PlayoutThread& operator=(const PlayoutThread&) = delete;

  /// Prefills the ring with target_periods of silence, registers the period
  /// signal with the callback and starts the thread, which begins the mesh
  /// timeline at the first DAC time the device reports (the frame that plays
  /// next gets the mesh grid frame due then). Call before the backend starts.
  /// Errors: errc::device_error when the thread cannot be created,
  /// errc::value_out_of_range for a config the stage refuses.
  caf::expected<void> start();
  /// Ends the thread and joins it; idempotent.
  void stop() noexcept;
  /// A snapshot (any thread; never blocks the playout thread, which
  /// publishes its figures through a seqlock once per wake-up).
  PlayoutStats stats() const;

  /// Periods refilled per wake-up for `cfg`: the most (at least 1, at most
  /// target_periods − 1) that leave the ring min_wake_lead_ms, or half of
  /// target_periods when that is more, of audio when the thread is woken:
  /// a deeper buffer (--target-periods, for a host with other work) is
  /// reserve against a stalled playout thread, not only fewer wake-ups.
  /// min_wake_lead_ms ≤ 0: 1 (batching off). Pure.
  static int batch_periods(const PlayoutConfig& cfg) noexcept;

  /// Mesh grid frame at or after mesh time `mesh_ns` for `rate_hz`.
  static std::int64_t mesh_frame_at(std::int64_t mesh_ns, int rate_hz) noexcept;
  /// PTS of mesh grid frame `m`, ns.
  static std::int64_t pts_of(std::int64_t m, int rate_hz) noexcept;

 private:
  void run() noexcept;
  /// Tops the ring up; returns the time spent waiting for the render port's lock, ns.
  std::int64_t fill() noexcept;
  void observe() noexcept;
  void top_up_with_silence() noexcept;
  bool begin_timeline() noexcept;
  std::string place_below_callback() noexcept;

  PlayoutConfig cfg_;
  DeviceCallback& cb_;
  rt::WakeSignal signal_;
  std::unique_ptr<PlayoutStage> stage_;
  std::vector<float> in_;
  std::vector<float> out_;
  std::int64_t next_mesh_frame_ = 0;  // the mixer's next frame on the mesh grid
  PlayoutStage::Config stage_config_;
  std::uint64_t ring_written_ = 0;     // frames written to the ring, silence included
  std::uint64_t stage_ring_base_ = 0;  // ring frame of the stage's ring frame 0
  std::uint64_t last_timing_version_ = 0;
  bool ever_locked_ = false;
  std::uint64_t realigns_at_lock_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  // What stats() reports, apart from the scheduling sentence: written by the
  // playout thread only (figures_ is its working copy), read through the seqlock.
  struct Figures {
    PlayoutStage::Stats stage;
    std::uint64_t realigns_after_lock = 0, wakeups = 0, wake_timeouts = 0, render_failures = 0;
    std::int64_t first_mesh_frame = 0, first_frame_dac_mesh_ns = 0, longest_work_ns = 0;
    std::int64_t longest_wake_latency_ns = 0, longest_work_cpu_ns = 0, longest_render_lock_wait_ns = 0;
    std::uint64_t stalls_past_ring = 0;
    int batch_periods = 1;
    std::uint32_t dac_time_source = 0;  // a DacTimeSource value; 0 = none yet
    bool has_dac_time_source = false;
  };
  Figures figures_;
  rt::Seqlock<Figures> published_;
  mutable std::mutex scheduling_mutex_;  // set at start and once when the timeline begins
  std::string scheduling_;
};

}  // namespace crowdmesh::device
