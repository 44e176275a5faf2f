#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace crowdmesh::device {

/// How a device run is fed.
enum class DeviceFeed {
  /// Offline (virtual device, as fast as possible): the actor asks the mixer
  /// for blocks and the clock plays what it gets; the end of the data ends the run.
  paced_by_data,
  /// Real pace without a playout thread: the actor asks the mixer for blocks
  /// to keep the output ring at its target fill (credit-based demand).
  demand,
  /// Real pace with a playout thread rendering the mixer directly: the actor
  /// asks for nothing.
  playout_thread,
};

/// Where a device run stands.
enum class DeviceRunPhase {
  idle,        ///< not started
  prefilling,  ///< filling the output ring before the backend starts
  playing,     ///< the backend runs
  stopping,    ///< the backend runs, a stop was asked (fade-out, then the end)
  ended,       ///< over: the backend stopped, or it never started (start failed, stopped first)
};

/// Sizes and limits of a device run.
struct DeviceRunLimits {
  std::uint64_t total_frames = 0;  ///< the run ends after this many frames, 0 = until stopped
  int sample_rate_hz = 48000;      ///< device rate, Hz (> 0)
  int period_frames = 256;         ///< frames per device period (> 0)
  int target_periods = 4;          ///< output ring fill the demand keeps, periods
  bool recording = false;          ///< the actor drains a recording tap (a ring of ≥ 1 s) on its pump
};

/// What demand() asks the device actor to do.
struct DemandStep {
  enum class Action {
    wait,           ///< nothing now (a request in flight, the ring full, no demand in this feed, ...)
    request,        ///< ask the mixer for `frames` frames; the request is now in flight
    start_backend,  ///< the prefill is complete: start the backend
  };
  Action action = Action::wait;
  std::size_t frames = 0;  ///< frames to ask for (Action::request), else 0
};

/// What request_stop() asks the device actor to do.
enum class StopStep {
  ignore,    ///< a stop is already under way, or the run ended
  end_now,   ///< the backend never started playing: end the run at once (end())
  fade_out,  ///< fade the output out; the run ends at the stop deadline (real pace) or once drained (offline)
};

/// The run of one device actor as a state machine: when to ask the mixer for
/// blocks (credit-based demand, one request in flight at most), when the
/// prefill is complete, when the run is over (total_frames played or fed,
/// stop deadline passed, offline clock told that no more data comes), and
/// how often the actor should look (pump_interval()).
///
/// Pure: no clock of its own (callers pass steady_clock times), no I/O. Not
/// thread-safe: owned by the device actor.
class DeviceRunState {
 public:
  /// Blocks asked of the mixer at most per offline request, frames.
  static constexpr std::size_t kOfflineBlockFrames = 8192;
  /// Pump interval with a playout thread far from the end of the run, while
  /// recording. The actor then only drains the recording tap (a ring of
  /// >= 1 s), relays the thread's findings to the log and notices the end:
  /// 5 Hz is plenty and lets an idle node sleep (a quarter period costs ~750
  /// wake-ups/s).
  static constexpr std::chrono::milliseconds kPlayoutPumpInterval{200};
  /// The same without a recording: nothing to drain, so once a second (the
  /// end of a timed run and a stop are still noticed within a period: see
  /// pump_interval()).
  static constexpr std::chrono::milliseconds kPlayoutQuietPumpInterval{1000};

  /// A run in the idle phase. `limits` must hold positive rate and period.
  explicit DeviceRunState(const DeviceRunLimits& limits) : limits_(limits) {}

  /// The run starts with `feed`: idle → prefilling (paced_by_data, demand);
  /// playout_thread stays idle until backend_started()/backend_failed().
  /// Outside idle (already started, or stopped before starting) changes nothing.
  void start(DeviceFeed feed);
  /// The backend started: prefilling or idle → playing. An ended run stays ended.
  void backend_started();
  /// The backend did not start: the run is over (ended), the backend untouched.
  void backend_failed() { phase_ = DeviceRunPhase::ended; }

  /// Decides the next demand step from the output ring's free space and fill,
  /// frames. Nothing while a request is in flight, before start(), after the
  /// end or with a playout thread. Offline: up to kOfflineBlockFrames (no more than space,
  /// nor than total_frames leaves to ask for; nothing once stopping). Real
  /// pace: whole periods up to the target fill (no more than space). A
  /// prefilling run with nothing to ask for starts the backend.
  DemandStep demand(std::size_t ring_space, std::size_t ring_fill);
  /// A block of `frames` frames arrived; the request is no longer in flight.
  /// Returns false when the run ended meanwhile: drop the block.
  bool block_received(std::size_t frames);
  /// The mixer did not answer the request; it is no longer in flight.
  void request_failed() { in_flight_ = false; }
  /// True when a prefilling run may start the backend with `ring_fill` frames
  /// in the ring: offline at once, at real pace from the target fill on.
  bool prefill_complete(std::size_t ring_fill) const;

  /// Offline runs: true exactly once, when the clock must be told that no more
  /// data comes (every frame of total_frames asked for, or stopping) and no
  /// request is in flight. False while the backend is not playing.
  bool take_end_of_data();
  /// Real-pace runs: true when the run is over at `now` with `frames_played`
  /// frames played: total_frames reached, or the stop deadline passed. False
  /// while the backend is not playing.
  bool real_pace_over(std::uint64_t frames_played, std::chrono::steady_clock::time_point now) const;

  /// A stop was asked at `now`. A playing run turns stopping and its deadline
  /// is three periods after `now`.
  StopStep request_stop(std::chrono::steady_clock::time_point now);
  /// Ends the run. Returns false when it had ended already (do nothing twice).
  bool end();

  /// How long the actor waits before looking again, with `frames_played`
  /// frames played: 1 ms offline; a quarter period (0.5 to 2 ms, "fine") at
  /// real pace without a playout thread, or with one while stopping; with a
  /// playout thread otherwise kPlayoutPumpInterval while recording, else
  /// kPlayoutQuietPumpInterval — but no longer than the time left until
  /// total_frames are played (at least the fine interval), so a timed run
  /// ends within a fine interval of its length. The actor pumps at once
  /// when a stop starts a fade-out.
  std::chrono::microseconds pump_interval(std::uint64_t frames_played) const;

  /// Where the run stands.
  DeviceRunPhase phase() const { return phase_; }
  /// True while prefilling.
  bool prefilling() const { return phase_ == DeviceRunPhase::prefilling; }
  /// True while the backend plays (playing or stopping).
  bool backend_playing() const { return phase_ == DeviceRunPhase::playing || phase_ == DeviceRunPhase::stopping; }
  /// True once the run is over.
  bool ended() const { return phase_ == DeviceRunPhase::ended; }
  /// True while a render request is in flight.
  bool request_in_flight() const { return in_flight_; }
  /// Frames received from the mixer so far.
  std::uint64_t requested_frames() const { return requested_frames_; }
  /// The output ring fill demand keeps, frames.
  std::size_t target_fill() const;

 private:
  DeviceRunLimits limits_;
  DeviceFeed feed_ = DeviceFeed::demand;
  DeviceRunPhase phase_ = DeviceRunPhase::idle;
  bool in_flight_ = false;
  bool end_of_data_sent_ = false;
  std::uint64_t requested_frames_ = 0;
  std::chrono::steady_clock::time_point stop_deadline_{};
};

}  // namespace crowdmesh::device
