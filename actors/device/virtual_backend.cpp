#include "device/virtual_backend.hpp"

#include <algorithm>
#include <cstring>
#include <system_error>

#include <pthread.h>
#include <sched.h>

#include "common/error.hpp"
#include "device/device_callback.hpp"

namespace crowdmesh::device {

VirtualBackend::VirtualBackend(DeviceConfig config) : config_(std::move(config)) {}

VirtualBackend::~VirtualBackend() { stop(); }

caf::expected<void> VirtualBackend::start(DeviceCallback& cb) {
  if (thread_.joinable())
    return make_error(errc::device_error, "virtual audio device is already running");
  if (cb.channels() != config_.channels || cb.input_channels() != config_.input_channels ||
      cb.sample_rate_hz() != config_.sample_rate_hz || cb.period_frames() != config_.period_frames)
    return make_error(errc::internal, "device callback was built for another channel count, rate or period");
  out_.assign(static_cast<std::size_t>(config_.period_frames) * static_cast<std::size_t>(config_.channels), 0.0f);
  stop_requested_.store(false, std::memory_order_relaxed);
  finish_requested_.store(false, std::memory_order_relaxed);
  done_.store(false, std::memory_order_relaxed);
  try {
    thread_ = std::thread([this, &cb] {
      if (config_.realtime) {
        run_realtime(cb);
      } else {
        run_paced_by_data(cb);
      }
      done_.store(true, std::memory_order_release);
    });
  } catch (const std::system_error& e) {
    return make_error(errc::device_error, std::string("cannot start the virtual audio clock thread: ") + e.what());
  }
  if (config_.realtime) {
    // Like a driver's audio thread (PortAudio/JACK do the same): a clock thread at
    // normal priority can wake a whole period late on a busy machine.
    sched_param sp{};
    sp.sched_priority = std::min(kClockPriority, sched_get_priority_max(SCHED_FIFO));
    const int rc = pthread_setschedparam(thread_.native_handle(), SCHED_FIFO, &sp);
    priority_ = rc == 0 ? "SCHED_FIFO " + std::to_string(sp.sched_priority)
                        : std::string("normal priority: ") + std::strerror(rc);
  }
  return {};
}

void VirtualBackend::run_realtime(DeviceCallback& cb) noexcept {
  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double>(static_cast<double>(config_.period_frames) / config_.sample_rate_hz));
  const auto frames = static_cast<std::size_t>(config_.period_frames);
  auto deadline = clock::now();
  bool late = false;
  while (!stop_requested_.load(std::memory_order_acquire)) {
    cb.process(out_.data(), nullptr, frames, late);
    deadline += period;
    const auto now = clock::now();
    late = now >= deadline + period;
    if (late) deadline = now;  // resynchronise: no burst, no accumulated lag
    std::this_thread::sleep_until(deadline);
  }
}

void VirtualBackend::run_paced_by_data(DeviceCallback& cb) noexcept {
  const auto period = static_cast<std::size_t>(config_.period_frames);
  rt::SpscRing& ring = cb.output_ring();
  rt::SpscRing& tap = cb.tap_ring();
  while (!stop_requested_.load(std::memory_order_acquire)) {
    const bool tap_room = !cb.tap_enabled() || tap.write_available() >= period;
    if (tap_room && ring.read_available() >= period) {
      cb.process(out_.data(), nullptr, period, false);
      continue;
    }
    if (tap_room && finish_requested_.load(std::memory_order_acquire)) {
      // The producer's last write happened before finish(): re-read the fill.
      const std::size_t left = ring.read_available();
      if (left >= period) continue;
      if (left > 0) cb.process(out_.data(), nullptr, left, false);
      return;
    }
    std::this_thread::sleep_for(kDataPollInterval);
  }
}

void VirtualBackend::stop() noexcept {
  if (!thread_.joinable()) return;
  stop_requested_.store(true, std::memory_order_release);
  thread_.join();
}

std::string VirtualBackend::description() const {
  return "virtual " + std::to_string(config_.sample_rate_hz) + " Hz " + std::to_string(config_.period_frames) +
         " frames " + std::to_string(config_.channels) + " ch " +
         (config_.realtime ? "realtime (" + priority_ + ")" : std::string("as fast as data arrives"));
}

}  // namespace crowdmesh::device
