#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "caf/actor_system.hpp"
#include "caf/meta/type_name.hpp"
#include "caf/typed_actor.hpp"
#include "common/atoms.hpp"
#include "device/audio_backend.hpp"
#include "device/device_callback.hpp"
#include "device/device_config.hpp"
#include "device/device_stats.hpp"
#include "device/device_stats_view.hpp"
#include "common/mesh_time.hpp"
#include "mixer/render_port.hpp"
#include "mixer/mixer_actor.hpp"

namespace crowdmesh::device {

/// Settings of a device actor.
struct DeviceActorConfig {
  DeviceConfig device;
  mixer::MixerActor mixer;         ///< renders the frames the device asks for
  std::string record_path;         ///< WAV of exactly what is played; empty = no recording
  std::uint64_t total_frames = 0;  ///< stop after this many frames (0 = until stop_atom)
  /// The node's mesh time function; null = local time (one node).
  std::shared_ptr<const MeshTimeSource> mesh_time;
  /// Real-pace devices: the mixer the playout thread renders directly (drift-
  /// locked playout on the mesh timeline). Null, or an offline render: the
  /// actor asks the mixer by message (credit-based demand).
  std::shared_ptr<mixer::RenderPort> render_port;
  /// Node name, written in a virtual device's truth log header.
  std::string node_name;
  /// Where the actor shows its run's counters to readers that do not ask it
  /// (the telemetry actor); null = nowhere.
  std::shared_ptr<DeviceStatsView> stats_view;
};

/// What a finished run did: the device's counters plus the recording.
struct DeviceRunReport {
  DeviceStats stats;
  std::string backend;      ///< backend description
  int channels = 0;         ///< output channels
  std::string record_path;  ///< absolute path, empty when not recording
  std::uint64_t recorded_frames = 0;
  /// Mesh time at which frame 0 (the recording's first frame) was played, ns;
  /// 0 when the device never ran.
  std::int64_t first_frame_mesh_ns = 0;
  std::string playout_scheduling;           ///< playout thread's scheduling ("SCHED_FIFO 60" or why not); empty = none
  std::string dac_time_source;              ///< where DAC times came from (driver, stream_latency, virtual_clock)
  std::uint64_t playout_wake_timeouts = 0;  ///< playout waits that saw no period (device stalled)
  std::uint64_t realigns_after_lock = 0;    ///< playout realigns after its loop first locked
  std::int64_t playout_frames_skipped = 0;  ///< mixer frames dropped minus silent frames inserted by realigns
  double playout_longest_work_us = 0.0;     ///< longest playout wake-up (render + resample + ring write), µs
  double playout_longest_work_cpu_us = 0.0; ///< its CPU time on the playout thread, µs (PlayoutStats::longest_work_cpu_ns)
  double playout_longest_lock_wait_us = 0.0;  ///< longest wait for the render port's lock, µs
  double playout_longest_wake_latency_us = 0.0;  ///< longest period signal → playout thread running, µs (host)
  std::uint64_t playout_stalls_past_ring = 0;    ///< wake-ups late past the ring's lead (PlayoutStats)
  std::uint64_t playout_wakeups = 0;             ///< period signals the playout thread woke for
  int playout_batch_periods = 0;                 ///< periods it refilled per wake-up; 0 = no playout thread
};

/// The device actor's interface.
/// - (start_atom) → DeviceStats: pre-fills the output ring to the target from
///   the mixer, then starts the backend (hard RT callback from then on).
///   Errors: device_not_found / device_error from the backend, io_error when
///   the recording cannot be created.
/// - (finish_atom) → DeviceRunReport: replies once the run ended (total_frames
///   played, or after stop_atom); the backend is stopped and the WAV closed.
/// - (stop_atom): ends the run now (short fade-out first on a clocked device).
/// - (stats_atom) → DeviceStats: counters now (wait-free reads).
/// - (status_atom) → DeviceRunReport: counters, backend and recording so far.
/// - (pump_atom): internal timer: drains the recording tap and ends the run.
///   With a render_port on a real-pace device, a PlayoutThread renders and
///   keeps the ring full (drift-locked to the mesh clock); otherwise (offline
///   renders) the timer also keeps the ring at its target fill by asking the
///   mixer (credit-based demand), each request carrying the block's PTS.
using DeviceActor = caf::typed_actor<caf::replies_to<start_atom>::with<DeviceStats>,
                                     caf::replies_to<finish_atom>::with<DeviceRunReport>, caf::reacts_to<stop_atom>,
                                     caf::replies_to<stats_atom>::with<DeviceStats>,
                                     caf::replies_to<status_atom>::with<DeviceRunReport>, caf::reacts_to<pump_atom>>;

/// Spawns the device actor (detached: its demand timer must not wait behind
/// other actors). Builds the backend from cfg.device; a bad backend name or
/// config fails at start_atom with the reason.
DeviceActor spawn_device_actor(caf::actor_system& sys, const DeviceActorConfig& cfg);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, DeviceStats& x) {
  return f(caf::meta::type_name("DeviceStats"), x.frames_played, x.callbacks, x.xruns, x.device_xruns,
           x.underrun_frames, x.tap_overflow_frames, x.input_overflow_frames, x.callback_p50_us, x.callback_p99_us,
           x.callback_max_us, x.ring_fill, x.ring_capacity, x.period_us, x.sample_rate_hz, x.period_frames, x.playout,
           x.sync_error_us, x.rate_correction_ppm, x.sync_locked, x.realigns, x.initial_alignments);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, DeviceRunReport& x) {
  return f(caf::meta::type_name("DeviceRunReport"), x.stats, x.backend, x.channels, x.record_path, x.recorded_frames,
           x.first_frame_mesh_ns, x.playout_scheduling, x.dac_time_source, x.playout_wake_timeouts,
           x.realigns_after_lock, x.playout_frames_skipped, x.playout_longest_work_us, x.playout_longest_work_cpu_us,
           x.playout_longest_lock_wait_us,
           x.playout_longest_wake_latency_us, x.playout_stalls_past_ring, x.playout_wakeups,
           x.playout_batch_periods);
}

}  // namespace crowdmesh::device
