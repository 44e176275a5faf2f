#include "device/device_callback.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include <pthread.h>

#include "common/local_clock.hpp"
#include "rt/rt_context.hpp"

namespace crowdmesh::device {

namespace {
// Single-writer counter bump: plain load + store, no read-modify-write.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
}  // namespace

DeviceCallback::DeviceCallback(const DeviceConfig& config)
    : channels_(config.channels),
      input_channels_(config.input_channels),
      sample_rate_hz_(config.sample_rate_hz),
      period_frames_(config.period_frames),
      output_trim_ns_(static_cast<std::int64_t>(config.output_trim_us) * 1000) {
  const auto period = static_cast<std::size_t>(std::max(config.period_frames, 1));
  const auto out_frames = 4 * static_cast<std::size_t>(std::max(config.target_periods, 1)) * period;
  const auto one_second = static_cast<std::size_t>(std::max(config.sample_rate_hz, 1));
  output_ring_ = std::make_unique<rt::SpscRing>(out_frames, channels_);
  tap_ring_ = std::make_unique<rt::SpscRing>(std::max(one_second, out_frames), channels_);
  if (input_channels_ > 0)
    input_ring_ = std::make_unique<rt::SpscRing>(std::max(one_second, out_frames), input_channels_);
}

void DeviceCallback::set_output_gain(float linear) noexcept {
  if (!std::isfinite(linear)) return;
  target_gain_.store(std::clamp(linear, 0.0f, kMaxOutputGain), std::memory_order_relaxed);
}

void DeviceCallback::apply_gain(float* out, std::size_t frames) noexcept {
  const float target = target_gain_.load(std::memory_order_relaxed);
  const auto ch = static_cast<std::size_t>(channels_);
  if (current_gain_ == target) {
    if (target == 1.0f) return;
    for (std::size_t i = 0; i < frames * ch; ++i) out[i] *= target;
    return;
  }
  // Linear ramp over the block: frame k gets start + step × (k + 1), so the
  // last frame lands exactly on the target.
  const float start = current_gain_;
  const float step = (target - start) / static_cast<float>(frames);
  for (std::size_t k = 0; k < frames; ++k) {
    const float g = k + 1 == frames ? target : start + step * static_cast<float>(k + 1);
    for (std::size_t c = 0; c < ch; ++c) out[k * ch + c] *= g;
  }
  current_gain_ = target;
}

void DeviceCallback::process(float* out, const float* in, std::size_t frames, bool device_xrun,
                             std::int64_t dac_local_ns, DacTimeSource source) noexcept {
  rt::RtContextScope rt_scope;
  const auto t0 = std::chrono::steady_clock::now();
  const auto ch = static_cast<std::size_t>(channels_);
  if (callback_thread_.load(std::memory_order_relaxed) == 0)
    callback_thread_.store(static_cast<std::uint64_t>(pthread_self()), std::memory_order_release);
  if (first_callback_ns_.load(std::memory_order_relaxed) == 0)
    first_callback_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(t0.time_since_epoch()).count(),
                             std::memory_order_release);
  if (dac_local_ns == 0) {
    dac_local_ns = local_now_ns() + fallback_latency_ns_.load(std::memory_order_relaxed);
    source = DacTimeSource::stream_latency;
  }

  const std::size_t got = output_ring_->read(out, frames);
  const std::size_t shortfall = frames - got;
  DacTiming timing;
  timing.device_frame = frames_played_.load(std::memory_order_relaxed);
  timing.ring_frame = ring_frames_read_;
  timing.dac_local_ns = dac_local_ns + output_trim_ns_;
  timing.frames = static_cast<std::uint32_t>(frames);
  timing.ring_frames_read = static_cast<std::uint32_t>(got);
  timing.source = static_cast<std::uint32_t>(source);
  dac_timing_.store(timing);
  ring_frames_read_ += got;
  if (shortfall > 0) {
    std::memset(out + got * ch, 0, shortfall * ch * sizeof(float));
    bump(underrun_frames_, shortfall);
  }
  if (shortfall > 0 || device_xrun) bump(xruns_, 1);
  if (device_xrun) bump(device_xruns_, 1);

  if (frames > 0) apply_gain(out, frames);

  if (tap_enabled_.load(std::memory_order_acquire)) {
    const std::size_t room = std::min(frames, tap_ring_->write_available());
    tap_ring_->write(out, room);
    if (room < frames) bump(tap_overflow_frames_, frames - room);
  }

  if (input_ring_) {
    const std::size_t room = std::min(frames, input_ring_->write_available());
    if (in != nullptr) {
      input_ring_->write(in, room);
    } else {
      input_ring_->write_silence(room);
    }
    if (room < frames) bump(input_overflow_frames_, frames - room);
  }

  bump(frames_played_, frames);
  bump(callbacks_, 1);
  if (auto* signal = period_signal_.load(std::memory_order_acquire);
      signal != nullptr && output_ring_->read_available() <= wake_fill_frames_.load(std::memory_order_relaxed))
    signal->post();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  durations_.record(us < 0 ? 0u : static_cast<std::uint32_t>(std::min<long long>(us, UINT32_MAX)));
}

DeviceStats DeviceCallback::stats() const noexcept {
  DeviceStats s;
  s.frames_played = frames_played_.load(std::memory_order_relaxed);
  s.callbacks = callbacks_.load(std::memory_order_relaxed);
  s.xruns = xruns_.load(std::memory_order_relaxed);
  s.device_xruns = device_xruns_.load(std::memory_order_relaxed);
  s.late_wakeups = late_wakeups_.load(std::memory_order_relaxed);
  s.underrun_frames = underrun_frames_.load(std::memory_order_relaxed);
  s.tap_overflow_frames = tap_overflow_frames_.load(std::memory_order_relaxed);
  s.input_overflow_frames = input_overflow_frames_.load(std::memory_order_relaxed);
  s.callback_p50_us = durations_.percentile(0.50);
  s.callback_p99_us = durations_.percentile(0.99);
  s.callback_max_us = durations_.max();
  s.ring_fill = output_ring_->fill_estimate();
  s.ring_capacity = output_ring_->capacity();
  s.sample_rate_hz = sample_rate_hz_;
  s.period_frames = period_frames_;
  s.period_us = sample_rate_hz_ > 0 ? 1e6 * period_frames_ / sample_rate_hz_ : 0.0;
  return s;
}

const char* to_string(DacTimeSource s) noexcept {
  switch (s) {
    case DacTimeSource::driver: return "driver";
    case DacTimeSource::stream_latency: return "stream_latency";
    case DacTimeSource::virtual_clock: return "virtual_clock";
    case DacTimeSource::none: break;
  }
  return "none";
}

}  // namespace crowdmesh::device
