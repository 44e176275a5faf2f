#pragma once
#include <cstddef>
#include <cstdint>

namespace crowdmesh::device {

/// Telemetry snapshot of one device callback (DeviceCallback::stats()).
/// Counters are totals since the callback object was built.
struct DeviceStats {
  std::uint64_t frames_played = 0;          ///< frames handed to the device, silence included
  std::uint64_t callbacks = 0;              ///< process() calls
  std::uint64_t xruns = 0;                  ///< underrun events: callbacks with a ring shortfall
                                            ///< and/or a driver-reported xrun (one per callback)
  std::uint64_t device_xruns = 0;           ///< callbacks whose driver flagged under/overflow
  std::uint64_t late_wakeups = 0;           ///< device thread woken ≥ 1 period late, absorbed by the
                                            ///< card's buffer (no xrun; host lateness; virtual card only)
  std::uint64_t underrun_frames = 0;        ///< frames of silence written for a ring shortfall
  std::uint64_t tap_overflow_frames = 0;    ///< played frames lost because the tap ring was full
  std::uint64_t input_overflow_frames = 0;  ///< captured frames lost because the input ring was full
  std::uint32_t callback_p50_us = 0;        ///< callback duration, µs (histogram bucket upper edge)
  std::uint32_t callback_p99_us = 0;        ///< callback duration, µs
  std::uint32_t callback_max_us = 0;        ///< longest callback, µs (exact)
  std::size_t ring_fill = 0;                ///< output ring fill now, frames (approximate)
  std::size_t ring_capacity = 0;            ///< output ring capacity, frames
  double period_us = 0.0;                   ///< one period in µs (period_frames / rate)
  int sample_rate_hz = 0;                   ///< device rate, Hz
  int period_frames = 0;                    ///< frames per period
  // Drift-locked playout (zero / false on offline renders, which have no DAC).
  bool playout = false;                  ///< the playout thread drives this device
  double sync_error_us = 0.0;            ///< DAC time − PTS of the last observed frame, µs (filtered)
  double rate_correction_ppm = 0.0;      ///< resampling correction now, ppm (+ = card slower than the mesh)
  bool sync_locked = false;              ///< the playout loop holds the error within its lock bound
  std::uint64_t realigns = 0;            ///< frame drops/inserts after the initial alignment
  std::uint64_t initial_alignments = 0;  ///< drops/inserts before the first lock
};

}  // namespace crowdmesh::device
