#include "device/playout_thread.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <system_error>

#include <pthread.h>
#include <sched.h>

#include "common/error.hpp"
#include "common/local_clock.hpp"
#include "rt/rt_context.hpp"

namespace crowdmesh::device {

std::int64_t PlayoutThread::mesh_frame_at(std::int64_t mesh_ns, int rate_hz) noexcept {
  const __int128 num = static_cast<__int128>(mesh_ns) * rate_hz;
  __int128 m = num / 1'000'000'000;
  if (m * 1'000'000'000 < num) ++m;  // ceil for positive times
  return static_cast<std::int64_t>(m);
}

std::int64_t PlayoutThread::pts_of(std::int64_t m, int rate_hz) noexcept { return PlayoutStage::pts_ns(m, rate_hz); }

int PlayoutThread::batch_periods(const PlayoutConfig& cfg) noexcept {
  if (cfg.min_wake_lead_ms <= 0 || cfg.period_frames <= 0 || cfg.sample_rate_hz <= 0 || cfg.target_periods < 2)
    return 1;
  const double period_ms = 1e3 * cfg.period_frames / cfg.sample_rate_hz;
  // A deeper buffer buys its reserve at wake-up too: half of it, or the
  // configured least lead when that is more.
  const double lead_ms = std::max<double>(cfg.min_wake_lead_ms, 0.5 * cfg.target_periods * period_ms);
  const int lead_periods = static_cast<int>(std::ceil(lead_ms / period_ms - 1e-9));
  return std::clamp(cfg.target_periods - std::max(1, lead_periods), 1, cfg.target_periods - 1);
}

PlayoutThread::PlayoutThread(PlayoutConfig cfg, DeviceCallback& cb) : cfg_(std::move(cfg)), cb_(cb) {}

PlayoutThread::~PlayoutThread() { stop(); }

caf::expected<void> PlayoutThread::start() {
  if (thread_.joinable()) return make_error(errc::device_error, "the playout thread is already running");
  if (!cfg_.mesh_time) cfg_.mesh_time = std::make_shared<MeshTimeSource>();
  const auto period = static_cast<std::size_t>(cfg_.period_frames);
  const auto ch = static_cast<std::size_t>(cfg_.channels);
  stage_config_.channels = cfg_.channels;
  stage_config_.rate_hz = cfg_.sample_rate_hz;
  stage_config_.max_frames_per_call = 4 * period;
  if (auto why = PlayoutStage::validate(stage_config_); !why.empty())
    return make_error(errc::value_out_of_range, "cannot build the playout stage: " + why);
  in_.assign(8 * period * ch, 0.0f);
  out_.assign(period * ch, 0.0f);
  // Silence until the device says when its frames reach the DAC; then the
  // stage starts on the mesh grid at the frame that plays next, so nothing the
  // mixer renders is dropped by a start-up alignment.
  top_up_with_silence();
  figures_.batch_periods = batch_periods(cfg_);
  published_.store(figures_);
  cb_.set_wake_fill_frames(static_cast<std::size_t>(cfg_.target_periods - figures_.batch_periods) * period);
  cb_.set_period_signal(&signal_);
  stop_.store(false, std::memory_order_relaxed);
  try {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "cm.playout");  // ps/top/perf show it by name
      run();
    });
  } catch (const std::system_error& e) {
    cb_.set_period_signal(nullptr);
    cb_.set_wake_fill_frames(SIZE_MAX);
    return make_error(errc::device_error, std::string("cannot start the playout thread: ") + e.what());
  }
  sched_param sp{};
  sp.sched_priority = std::min(cfg_.priority, sched_get_priority_max(SCHED_FIFO));
  const int rc = pthread_setschedparam(thread_.native_handle(), SCHED_FIFO, &sp);
  std::lock_guard<std::mutex> lk(scheduling_mutex_);
  scheduling_ = rc == 0 ? "SCHED_FIFO " + std::to_string(sp.sched_priority)
                        : std::string("normal priority: ") + std::strerror(rc);
  return {};
}

void PlayoutThread::top_up_with_silence() noexcept {
  auto& ring = cb_.output_ring();
  const auto period = static_cast<std::size_t>(cfg_.period_frames);
  const auto target = static_cast<std::size_t>(cfg_.target_periods) * period;
  while (ring.capacity() - ring.write_available() < target && ring.write_available() >= period) {
    ring.write_silence(period);
    ring_written_ += period;
  }
}

std::string PlayoutThread::place_below_callback() noexcept {
  // The playout thread must never preempt the device's own thread: below a
  // real-time callback (JACK/ALSA run theirs at SCHED_FIFO 70-ish), and at
  // normal priority when the callback itself runs at normal priority (a JACK
  // server without -R): a SCHED_FIFO render would then delay the callback and
  // make the server count xruns.
  const auto cb_thread = static_cast<pthread_t>(cb_.callback_thread());
  int policy = SCHED_OTHER;
  sched_param cb_param{};
  if (cb_thread == 0 || pthread_getschedparam(cb_thread, &policy, &cb_param) != 0) return "unchanged";
  if (cb_thread == pthread_self()) return "unchanged";
  if (policy != SCHED_FIFO && policy != SCHED_RR) {
    sched_param normal{};
    pthread_setschedparam(pthread_self(), SCHED_OTHER, &normal);
    return "normal priority (the device callback runs at normal priority)";
  }
  sched_param sp{};
  sp.sched_priority = std::max(1, std::min(cfg_.priority, cb_param.sched_priority - 1));
  if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) != 0)
    return std::string("normal priority: SCHED_FIFO refused");
  return "SCHED_FIFO " + std::to_string(sp.sched_priority) + " (device callback at " +
         std::to_string(cb_param.sched_priority) + ")";
}

bool PlayoutThread::begin_timeline() noexcept {
  const auto t = cb_.dac_timing();
  if (t.dac_local_ns == 0) return false;
  const auto ns_per_frame = 1e9 / cfg_.sample_rate_hz;
  const auto dac_mesh = cfg_.mesh_time->mesh_at(t.dac_local_ns);
  // Ring frame ring_written_ (the next one written) plays this much after the period's first.
  const auto ahead = static_cast<double>(ring_written_ - t.ring_frame) * ns_per_frame;
  const auto next_mesh = dac_mesh + static_cast<std::int64_t>(std::llround(ahead));
  next_mesh_frame_ = mesh_frame_at(next_mesh, cfg_.sample_rate_hz);
  stage_config_.first_mesh_frame = next_mesh_frame_;
  try {
    stage_ = std::make_unique<PlayoutStage>(stage_config_);
  } catch (const std::exception&) {
    return false;  // only allocation can fail here (validated in start()); silence goes on
  }
  stage_ring_base_ = ring_written_;
  const auto scheduling = place_below_callback();
  if (scheduling != "unchanged") {
    std::lock_guard<std::mutex> lk(scheduling_mutex_);
    scheduling_ = scheduling;
  }
  figures_.first_mesh_frame = next_mesh_frame_;
  figures_.first_frame_dac_mesh_ns =
      dac_mesh - static_cast<std::int64_t>(std::llround(static_cast<double>(t.device_frame) * ns_per_frame));
  return true;
}

void PlayoutThread::stop() noexcept {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  signal_.post();
  thread_.join();
  cb_.set_period_signal(nullptr);
  cb_.set_wake_fill_frames(SIZE_MAX);
}

PlayoutStats PlayoutThread::stats() const {
  const auto f = published_.load();
  PlayoutStats s;
  s.stage = f.stage;
  s.realigns_after_lock = f.realigns_after_lock;
  s.wakeups = f.wakeups;
  s.wake_timeouts = f.wake_timeouts;
  s.render_failures = f.render_failures;
  s.first_mesh_frame = f.first_mesh_frame;
  s.first_frame_dac_mesh_ns = f.first_frame_dac_mesh_ns;
  s.longest_work_ns = f.longest_work_ns;
  s.longest_work_cpu_ns = f.longest_work_cpu_ns;
  s.longest_render_lock_wait_ns = f.longest_render_lock_wait_ns;
  s.longest_wake_latency_ns = f.longest_wake_latency_ns;
  s.stalls_past_ring = f.stalls_past_ring;
  s.batch_periods = f.batch_periods;
  if (f.has_dac_time_source) s.dac_time_source = to_string(static_cast<DacTimeSource>(f.dac_time_source));
  std::lock_guard<std::mutex> lk(scheduling_mutex_);
  s.scheduling = scheduling_;
  return s;
}

void PlayoutThread::observe() noexcept {
  const auto t = cb_.dac_timing();
  if (t.dac_local_ns == 0 || t.ring_frames_read == 0 || t.ring_frame < stage_ring_base_) return;
  if (t.ring_frame == last_timing_version_ && last_timing_version_ != 0) return;
  last_timing_version_ = t.ring_frame;
  stage_->observe(t.ring_frame - stage_ring_base_, cfg_.mesh_time->mesh_at(t.dac_local_ns));
  figures_.dac_time_source = t.source;
  figures_.has_dac_time_source = true;
}

std::int64_t PlayoutThread::fill() noexcept {
  auto& ring = cb_.output_ring();
  const auto period = static_cast<std::size_t>(cfg_.period_frames);
  const auto ch = static_cast<std::size_t>(cfg_.channels);
  const auto target = static_cast<std::size_t>(cfg_.target_periods) * period;
  std::uint64_t failures = 0;
  std::int64_t lock_wait_ns = 0;
  while (ring.capacity() - ring.write_available() < target && ring.write_available() >= period &&
         !stop_.load(std::memory_order_relaxed)) {
    const std::size_t want = std::min(stage_->input_frames_wanted(period), in_.size() / ch);
    if (want > 0) {
      std::int64_t waited = 0;
      if (!cfg_.render_port ||
          !cfg_.render_port->render(in_.data(), want, PlayoutStage::pts_ns(next_mesh_frame_, cfg_.sample_rate_hz),
                                    &waited)) {
        std::memset(in_.data(), 0, want * ch * sizeof(float));
        ++failures;
      }
      lock_wait_ns += waited;
      next_mesh_frame_ += static_cast<std::int64_t>(want);
      stage_->push(in_.data(), want);
    }
    const std::size_t got = stage_->pull(out_.data(), period);
    if (got == 0) break;
    ring.write(out_.data(), got);
    ring_written_ += got;
  }
  figures_.render_failures += failures;
  figures_.stage = stage_->stats();
  if (!ever_locked_ && figures_.stage.locked) {
    ever_locked_ = true;
    realigns_at_lock_ = figures_.stage.realigns;
  }
  if (ever_locked_) figures_.realigns_after_lock = figures_.stage.realigns - realigns_at_lock_;
  return lock_wait_ns;
}

void PlayoutThread::run() noexcept {
  const auto period_ns =
      std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * cfg_.period_frames / cfg_.sample_rate_hz));
  // What the ring holds when the period signal comes: the callback has just
  // taken the last period of a batch.
  const int batch = figures_.batch_periods;
  const std::int64_t ring_lead_ns = std::max(1, cfg_.target_periods - batch) * period_ns.count();
  while (!stop_.load(std::memory_order_acquire)) {
    const bool woke = signal_.wait_for((batch + 3) * period_ns);
    const auto wake_latency_ns = signal_.take_wake_latency_ns();
    if (stop_.load(std::memory_order_acquire)) break;
    if (woke)
      ++figures_.wakeups;
    else
      ++figures_.wake_timeouts;
    if (!stage_ && !begin_timeline()) {
      top_up_with_silence();
      published_.store(figures_);
      continue;
    }
    {
      // From here on each wake-up is real-time work: no allocation, no lock
      // but the render port's priority-inheriting one (allocation hook tests).
      rt::RtContextScope rt_scope;
      const auto t0 = steady_now_ns();
      const auto cpu0 = rt::thread_cpu_now_ns();
      observe();
      const auto lock_wait_ns = fill();
      const auto work_ns = steady_now_ns() - t0;
      const auto work_cpu_ns = rt::thread_cpu_now_ns() - cpu0;
      figures_.longest_work_ns = std::max(figures_.longest_work_ns, work_ns);
      figures_.longest_work_cpu_ns = std::max(figures_.longest_work_cpu_ns, work_cpu_ns);
      figures_.longest_render_lock_wait_ns = std::max(figures_.longest_render_lock_wait_ns, lock_wait_ns);
      figures_.longest_wake_latency_ns = std::max(figures_.longest_wake_latency_ns, wake_latency_ns);
      if (woke && wake_latency_ns + work_ns > ring_lead_ns) ++figures_.stalls_past_ring;
      published_.store(figures_);
    }
  }
}

}  // namespace crowdmesh::device
