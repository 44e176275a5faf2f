#include "device/virtual_backend.hpp"

#include "device/virtual_clock_grid.hpp"

#include <algorithm>
#include <cstring>
#include <future>
#include <system_error>

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cmath>
#include <ctime>

#include "common/error.hpp"
#include "common/local_clock.hpp"
#include "device/device_callback.hpp"

namespace crowdmesh::device {

VirtualBackend::VirtualBackend(DeviceConfig config) : config_(std::move(config)) {}

VirtualBackend::~VirtualBackend() { stop(); }

caf::expected<void> VirtualBackend::start(DeviceCallback& cb) {
  if (thread_.joinable()) return make_error(errc::device_error, "virtual audio device is already running");
  if (cb.channels() != config_.channels || cb.input_channels() != config_.input_channels ||
      cb.sample_rate_hz() != config_.sample_rate_hz || cb.period_frames() != config_.period_frames)
    return make_error(errc::internal, "device callback was built for another channel count, rate or period");
  if (config_.realtime && !config_.truth_log_path.empty() && !truth_) {
    auto log = TruthLog::open(config_.truth_log_path, config_.sample_rate_hz, config_.virtual_skew_ppm, truth_node_);
    if (!log) return log.error();
    truth_ = std::move(*log);
  }
  out_.assign(static_cast<std::size_t>(config_.period_frames) * static_cast<std::size_t>(config_.channels), 0.0f);
  stop_requested_.store(false, std::memory_order_relaxed);
  finish_requested_.store(false, std::memory_order_relaxed);
  done_.store(false, std::memory_order_relaxed);
  // The clock thread starts ticking only once its priority is set: the
  // playout thread places itself below the callback's priority when it sees
  // the first DAC time, and must not see the clock at normal priority (on a
  // busy host this thread can be preempted between the two steps).
  std::promise<void> placed;
  auto go = placed.get_future();
  try {
    thread_ = std::thread([this, &cb, go = std::move(go)] {
      pthread_setname_np(pthread_self(), "cm.device");  // ps/top/perf show the device clock by name
      go.wait();
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
  placed.set_value();
  return {};
}

void VirtualBackend::run_realtime(DeviceCallback& cb) noexcept {
  // The virtual card's crystal: one period lasts frames / (rate × (1 + skew)) of
  // the host's raw clock; its buffer holds virtual_buffer_periods periods
  // (VirtualClockGrid: deadlines, DAC times, absorbed late wake-ups, xruns).
  const auto frames = static_cast<std::size_t>(config_.period_frames);
  const double period_ns =
      static_cast<double>(frames) * 1e9 / (config_.sample_rate_hz * (1.0 + config_.virtual_skew_ppm * 1e-6));
  rt::SpscRing& ring = cb.output_ring();
  VirtualClockGrid grid(period_ns, config_.virtual_buffer_periods, raw_now_ns());
  std::uint64_t device_frame = 0;
  while (!stop_requested_.load(std::memory_order_acquire)) {
    const auto step = grid.wake(raw_now_ns());
    // An xrun: the truth log gets the end of the old segment so the jump is exact.
    if (step.xrun && truth_) truth_->add(device_frame, step.abandoned_dac_ns);
    if (step.late_wakeup) cb.count_late_wakeup();
    // Catching up: give the producer (woken late too) until the card needs it.
    const auto dac_raw = grid.dac_time();
    for (auto now = raw_now_ns();
         grid.may_wait(now) && ring.read_available() < frames && !stop_requested_.load(std::memory_order_relaxed);
         now = raw_now_ns()) {
      sleep_until_raw(std::min(now + kCatchUpPollNs, dac_raw - static_cast<std::int64_t>(period_ns)));
    }
    cb.process(out_.data(), nullptr, frames, step.xrun, local_from_raw(dac_raw), DacTimeSource::virtual_clock);
    if (truth_) truth_->add(device_frame, dac_raw);
    device_frame += frames;
    grid.advance();
    sleep_until_raw(grid.deadline());
  }
}

void VirtualBackend::sleep_until_raw(std::int64_t raw_deadline_ns) noexcept {
  const auto wait = raw_deadline_ns - raw_now_ns();
  if (wait <= 0) return;
  timespec mono{};
  ::clock_gettime(CLOCK_MONOTONIC, &mono);
  const auto ns = mono.tv_nsec + wait;
  mono.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
  mono.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &mono, nullptr) == EINTR) {
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
  std::string skew;
  if (config_.virtual_skew_ppm != 0.0) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " skew %+.1f ppm", config_.virtual_skew_ppm);
    skew = buf;
  }
  return "virtual " + std::to_string(config_.sample_rate_hz) + " Hz" + skew + " " +
         std::to_string(config_.period_frames) + " frames " + std::to_string(config_.channels) + " ch " +
         (config_.realtime
              ? "realtime (" + priority_ + "), buffer " + std::to_string(config_.virtual_buffer_periods) + " periods"
              : std::string("as fast as data arrives"));
}

}  // namespace crowdmesh::device
