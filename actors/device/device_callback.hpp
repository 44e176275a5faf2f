#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "device/dac_timing.hpp"
#include "device/device_config.hpp"
#include "device/device_stats.hpp"
#include "rt/wake_signal.hpp"
#include "rt/duration_histogram.hpp"
#include "rt/seqlock.hpp"
#include "rt/spsc_ring.hpp"

namespace crowdmesh::device {

static_assert(std::atomic<float>::is_always_lock_free, "the RT gain needs a lock-free atomic float");

/// The body of every backend's audio callback: the only hard real-time code in
/// Crowdmesh (docs/ARCHITECTURE.md, "The real-time boundary").
///
/// process() copies interleaved float frames from the output ring to the
/// device buffer, writes silence on a shortfall (and counts an underrun),
/// applies the master gain ramp, copies what was played to the tap ring when
/// enabled, copies device input to the input ring, and updates atomic
/// counters and the callback-duration histogram. It never allocates, locks,
/// logs, blocks or throws.
///
/// Thread contract: process() runs on one RT thread at a time (the backend's).
/// output_ring() has one producer (the device actor); tap_ring() and
/// input_ring() have one consumer each. set_tap_enabled(), set_output_gain()
/// and stats() are wait-free and callable from any thread. Construction and
/// destruction are not real-time and must not overlap a running backend.
class DeviceCallback {
 public:
  /// Largest accepted master gain (linear, +12 dB).
  static constexpr float kMaxOutputGain = 4.0f;

  /// Allocates the rings (not real-time): output ring ≥ 4 × target_periods ×
  /// period_frames frames, tap ring ≥ 1 s, input ring ≥ max(1 s, output ring)
  /// when input_channels > 0; all powers of two. `config` must pass
  /// validate(); channel counts < 1 throw std::invalid_argument.
  explicit DeviceCallback(const DeviceConfig& config);

  DeviceCallback(const DeviceCallback&) = delete;
  DeviceCallback& operator=(const DeviceCallback&) = delete;

  /// RT thread. Fills `out` (frames × channels() interleaved floats) from the
  /// output ring; copies `in` (frames × input_channels() interleaved floats,
  /// or nullptr = silence) to the input ring if there is one. `device_xrun` is
  /// the driver's under/overflow flag for this block. `dac_local_ns`: local
  /// clock (common/local_clock.hpp) at which out's first frame reaches the DAC,
  /// as the backend knows it (`source` says how); 0 = unknown: the callback
  /// then uses the local clock now + the stream latency set with
  /// set_fallback_latency_ns(). output_trim_us (DeviceConfig) is added either
  /// way. Publishes dac_timing() and posts the period signal when the ring is
  /// low enough (set_wake_fill_frames()). Wait-free.
  void process(float* out, const float* in, std::size_t frames, bool device_xrun, std::int64_t dac_local_ns = 0,
               DacTimeSource source = DacTimeSource::none) noexcept;

  /// RT thread (the backend's): the device thread woke a period or more late
  /// but the card's buffer absorbed it (no xrun). Counted in
  /// DeviceStats::late_wakeups. Wait-free.
  void count_late_wakeup() noexcept { late_wakeups_.fetch_add(1, std::memory_order_relaxed); }

  /// Any thread: when the last period started reaches the DAC, with the frame
  /// counters at that instant (seqlock read; dac_local_ns == 0 before the first).
  DacTiming dac_timing() const noexcept { return dac_timing_.load(); }
  /// Not real-time, before start: the stream's output latency (PortAudio's
  /// Pa_GetStreamInfo()->outputLatency), ns, used when a period has no DAC time.
  void set_fallback_latency_ns(std::int64_t ns) noexcept { fallback_latency_ns_.store(ns, std::memory_order_relaxed); }
  /// Not real-time, while stopped: a signal posted after a period (nullptr =
  /// none); which periods, see set_wake_fill_frames(). The signal must
  /// outlive the running backend.
  void set_period_signal(rt::WakeSignal* signal) noexcept { period_signal_.store(signal, std::memory_order_release); }
  /// Any thread: post the period signal only after a period that leaves the
  /// output ring holding at most `frames` frames (what the callback can see
  /// of it: a refill under way may already have added more). The default,
  /// SIZE_MAX, posts after every period. The playout thread sets it to
  /// (target − batch) periods so that it wakes once per batch of periods and
  /// refills them in one go (PlayoutConfig::min_wake_lead_ms); a ring that
  /// stays low is signalled after every period. Wait-free.
  void set_wake_fill_frames(std::size_t frames) noexcept { wake_fill_frames_.store(frames, std::memory_order_relaxed); }
  /// Any thread: the fill, frames, at or below which a period posts the
  /// signal (SIZE_MAX = every period). Wait-free.
  std::size_t wake_fill_frames() const noexcept { return wake_fill_frames_.load(std::memory_order_relaxed); }

  /// Producer side (device actor) of the ring the callback plays from.
  rt::SpscRing& output_ring() noexcept { return *output_ring_; }
  /// Consumer side (recorder) of the ring holding what was played (post-gain).
  rt::SpscRing& tap_ring() noexcept { return *tap_ring_; }
  /// Consumer side of the captured input; nullptr when input_channels == 0.
  rt::SpscRing* input_ring() noexcept { return input_ring_.get(); }

  /// Any thread: start/stop copying played frames into tap_ring().
  void set_tap_enabled(bool enabled) noexcept { tap_enabled_.store(enabled, std::memory_order_release); }
  /// Any thread: whether the tap is on.
  bool tap_enabled() const noexcept { return tap_enabled_.load(std::memory_order_acquire); }

  /// Any thread: master output gain (linear). The callback ramps linearly
  /// from its current gain to this target over its next block. NaN/inf are
  /// ignored; values are clamped to 0..kMaxOutputGain (callers validate and
  /// report bad input before this).
  void set_output_gain(float linear) noexcept;
  /// Any thread: the target gain last set (linear).
  float output_gain() const noexcept { return target_gain_.load(std::memory_order_relaxed); }

  /// Any thread: steady_clock (CLOCK_MONOTONIC) time in ns at which the first
  /// process() call started — when frame 0 went to the device; 0 before that.
  /// With the nominal rate this anchors frame k at first + k/rate.
  std::int64_t first_callback_ns() const noexcept { return first_callback_ns_.load(std::memory_order_acquire); }
  /// Any thread: the thread running process() (pthread_t as an integer), 0
  /// before the first call; the playout thread places its priority below it.
  std::uint64_t callback_thread() const noexcept { return callback_thread_.load(std::memory_order_acquire); }
  /// Any thread: counters, duration percentiles and ring fill.
  DeviceStats stats() const noexcept;
  /// Any thread: frames played so far (stats().frames_played without the
  /// percentiles). Wait-free.
  std::uint64_t frames_played() const noexcept { return frames_played_.load(std::memory_order_relaxed); }

  /// Output channels per frame.
  int channels() const noexcept { return channels_; }
  /// Input channels per frame (0 = no input).
  int input_channels() const noexcept { return input_channels_; }
  /// Device rate in Hz.
  int sample_rate_hz() const noexcept { return sample_rate_hz_; }
  /// Frames per period.
  int period_frames() const noexcept { return period_frames_; }

 private:
  void apply_gain(float* out, std::size_t frames) noexcept;

  int channels_;
  int input_channels_;
  int sample_rate_hz_;
  int period_frames_;

  std::unique_ptr<rt::SpscRing> output_ring_;
  std::unique_ptr<rt::SpscRing> tap_ring_;
  std::unique_ptr<rt::SpscRing> input_ring_;

  std::atomic<bool> tap_enabled_{false};
  std::atomic<float> target_gain_{1.0f};
  float current_gain_ = 1.0f;  // RT thread only

  std::int64_t output_trim_ns_ = 0;
  std::atomic<std::int64_t> fallback_latency_ns_{0};
  std::atomic<rt::WakeSignal*> period_signal_{nullptr};
  std::atomic<std::size_t> wake_fill_frames_{SIZE_MAX};
  rt::Seqlock<DacTiming> dac_timing_;
  std::uint64_t ring_frames_read_ = 0;  // RT thread only

  // Written by the RT thread only (load + store), read by any thread.
  std::atomic<std::int64_t> first_callback_ns_{0};
  std::atomic<std::uint64_t> callback_thread_{0};  // pthread_self() of the first process() call
  std::atomic<std::uint64_t> frames_played_{0};
  std::atomic<std::uint64_t> callbacks_{0};
  std::atomic<std::uint64_t> xruns_{0};
  std::atomic<std::uint64_t> device_xruns_{0};
  std::atomic<std::uint64_t> late_wakeups_{0};
  std::atomic<std::uint64_t> underrun_frames_{0};
  std::atomic<std::uint64_t> tap_overflow_frames_{0};
  std::atomic<std::uint64_t> input_overflow_frames_{0};
  rt::DurationHistogram durations_;
};

}  // namespace crowdmesh::device
