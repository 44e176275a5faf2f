#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "device/audio_backend.hpp"
#include "device/device_config.hpp"
#include "device/truth_log.hpp"

namespace crowdmesh::device {

/// A device without hardware: a clock thread that calls the same
/// DeviceCallback::process() as PortAudio does, one period at a time.
///
/// realtime = true: one call per period on absolute deadlines of the host's raw
/// clock (CLOCK_MONOTONIC_RAW), so the pace does not drift; with
/// virtual_skew_ppm the card runs at rate × (1 + ppm·1e-6) against that clock,
/// like a real card's crystal. The card has a hardware buffer of
/// virtual_buffer_periods (B) periods: each call gets the DAC time of its
/// buffer, B − 1 periods after its deadline, and, with truth_log_path, the
/// ground truth of every period is written (TruthLog). A wake-up one period or
/// more late (host lateness, not a producer fault) is absorbed while the card
/// still has data: the clock catches up on the same grid, waiting for the
/// producer's frames up to one period before each missed buffer's DAC time,
/// and counts it (DeviceCallback::count_late_wakeup). A wake-up past a
/// buffer's DAC time is a device xrun, like a real driver's: the clock
/// resynchronises to now instead of bursting, and flags that call.
///
/// realtime = false (paced_by_data()): a call whenever the output ring holds a
/// full period and, if the tap is on, the tap ring has room for one — polled
/// with sleeps of kDataPollInterval. After finish(), it plays what is left
/// (a last, shorter block) and stops; offline renders therefore never underrun
/// and never lose tapped frames. The tap consumer must keep draining the tap.
///
/// Input: process() gets in = nullptr (silence goes to the input ring).
/// Thread contract: start()/stop() from one control thread; finish() and
/// done() from any thread.
class VirtualBackend final : public AudioBackend {
 public:
  /// SCHED_FIFO priority asked for the real-pace clock thread (as JACK's default
  /// client priority band); without the right to it the thread runs at normal
  /// priority and description() says why.
  static constexpr int kClockPriority = 70;
  /// Longest sleep while waiting for data in paced-by-data mode.
  static constexpr std::chrono::microseconds kDataPollInterval{100};
  /// Longest sleep, ns, while a real-pace clock catching up after a late
  /// wake-up waits for the producer.
  static constexpr std::int64_t kCatchUpPollNs = 100'000;

  /// Keeps the config; starts nothing. Not real-time.
  explicit VirtualBackend(DeviceConfig config);
  /// Stops the clock thread if running.
  ~VirtualBackend() override;

  /// Allocates the device buffer and starts the clock thread. Errors:
  /// errc::device_error when already running; errc::internal when `cb` was
  /// built for another channel count, rate or period.
  caf::expected<void> start(DeviceCallback& cb) override;
  /// Ends the clock thread (without draining) and joins it; idempotent.
  void stop() noexcept override;
  /// e.g. "virtual 48000 Hz 256 frames 2 ch realtime".
  std::string description() const override;
  /// True when realtime == false.
  bool paced_by_data() const noexcept override { return !config_.realtime; }

  /// Any thread: no more frames will be written to the output ring. In
  /// paced-by-data mode the clock drains the ring and ends (done() turns
  /// true). Call after the producer's last write. No effect in realtime mode.
  void finish() noexcept { finish_requested_.store(true, std::memory_order_release); }
  /// Any thread: the clock thread has ended (drained after finish(), or stopped).
  bool done() const noexcept { return done_.load(std::memory_order_acquire); }

  /// Before start(): the node name written in the truth log's header.
  void set_truth_log_node(std::string node) { truth_node_ = std::move(node); }
  /// The truth log, when one is written (nullptr otherwise).
  const TruthLog* truth_log() const noexcept { return truth_.get(); }

 private:
  void run_realtime(DeviceCallback& cb) noexcept;
  void run_paced_by_data(DeviceCallback& cb) noexcept;
  static void sleep_until_raw(std::int64_t raw_deadline_ns) noexcept;

  DeviceConfig config_;
  std::vector<float> out_;
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> finish_requested_{false};
  std::atomic<bool> done_{false};
  std::string priority_ = "not started";
  std::string truth_node_;
  std::unique_ptr<TruthLog> truth_;  // the clock thread's scheduling, for description()
};

}  // namespace crowdmesh::device
