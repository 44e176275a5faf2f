#include "device/device_run_state.hpp"

#include <algorithm>

namespace crowdmesh::device {

namespace {
constexpr std::chrono::microseconds kOfflinePumpInterval{1000};
}  // namespace

void DeviceRunState::start(DeviceFeed feed) {
  if (phase_ != DeviceRunPhase::idle) return;
  feed_ = feed;
  if (feed != DeviceFeed::playout_thread) phase_ = DeviceRunPhase::prefilling;
}

void DeviceRunState::backend_started() {
  if (phase_ == DeviceRunPhase::idle || phase_ == DeviceRunPhase::prefilling) phase_ = DeviceRunPhase::playing;
}

std::size_t DeviceRunState::target_fill() const {
  return static_cast<std::size_t>(limits_.target_periods) * static_cast<std::size_t>(limits_.period_frames);
}

DemandStep DeviceRunState::demand(std::size_t ring_space, std::size_t ring_fill) {
  if (in_flight_ || phase_ == DeviceRunPhase::idle || ended() || feed_ == DeviceFeed::playout_thread) return {};
  std::size_t n = 0;
  if (feed_ == DeviceFeed::paced_by_data) {
    n = std::min(ring_space, kOfflineBlockFrames);
    const auto total = limits_.total_frames;
    if (total > 0) n = std::min<std::size_t>(n, static_cast<std::size_t>(total - std::min(total, requested_frames_)));
    if (phase_ == DeviceRunPhase::stopping) n = 0;
  } else if (ring_fill < target_fill()) {
    const auto period = static_cast<std::size_t>(limits_.period_frames);
    n = std::min((target_fill() - ring_fill + period - 1) / period * period, ring_space);
  }
  if (n == 0) return {prefilling() ? DemandStep::Action::start_backend : DemandStep::Action::wait, 0};
  in_flight_ = true;
  return {DemandStep::Action::request, n};
}

bool DeviceRunState::block_received(std::size_t frames) {
  in_flight_ = false;
  if (ended()) return false;
  requested_frames_ += frames;
  return true;
}

bool DeviceRunState::prefill_complete(std::size_t ring_fill) const {
  return prefilling() && (feed_ == DeviceFeed::paced_by_data || ring_fill >= target_fill());
}

bool DeviceRunState::take_end_of_data() {
  if (!backend_playing() || in_flight_ || end_of_data_sent_) return false;
  const bool all_fed = limits_.total_frames > 0 && requested_frames_ >= limits_.total_frames;
  if (!all_fed && phase_ != DeviceRunPhase::stopping) return false;
  end_of_data_sent_ = true;
  return true;
}

bool DeviceRunState::real_pace_over(std::uint64_t frames_played, std::chrono::steady_clock::time_point now) const {
  if (!backend_playing()) return false;
  if (limits_.total_frames > 0 && frames_played >= limits_.total_frames) return true;
  return phase_ == DeviceRunPhase::stopping && now >= stop_deadline_;
}

StopStep DeviceRunState::request_stop(std::chrono::steady_clock::time_point now) {
  if (phase_ == DeviceRunPhase::stopping || ended()) return StopStep::ignore;
  if (!backend_playing()) return StopStep::end_now;
  phase_ = DeviceRunPhase::stopping;
  const auto period_us = 1'000'000LL * limits_.period_frames / limits_.sample_rate_hz;
  stop_deadline_ = now + std::chrono::microseconds(3 * period_us);
  return StopStep::fade_out;
}

bool DeviceRunState::end() {
  if (ended()) return false;
  phase_ = DeviceRunPhase::ended;
  return true;
}

std::chrono::microseconds DeviceRunState::pump_interval(std::uint64_t frames_played) const {
  if (feed_ == DeviceFeed::paced_by_data) return kOfflinePumpInterval;
  const auto period_us = 1'000'000LL * limits_.period_frames / limits_.sample_rate_hz;
  const auto fine = std::chrono::microseconds(std::clamp<long long>(period_us / 4, 500, 2000));
  if (feed_ != DeviceFeed::playout_thread || phase_ == DeviceRunPhase::stopping) return fine;
  std::chrono::microseconds slow = limits_.recording ? kPlayoutPumpInterval : kPlayoutQuietPumpInterval;
  // A run of a given length (--duration): look again when it should be over.
  if (limits_.total_frames > 0) {
    const auto left = limits_.total_frames > frames_played ? limits_.total_frames - frames_played : 0;
    const auto left_us = std::chrono::microseconds(
        static_cast<long long>(left * 1'000'000ULL / static_cast<std::uint64_t>(limits_.sample_rate_hz)));
    slow = std::clamp(left_us, fine, slow);
  }
  return slow;
}

}  // namespace crowdmesh::device
