#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "caf/expected.hpp"
#include "device/device_list.hpp"

namespace crowdmesh::device {

/// The sample rates `doctor` checks every device for, Hz.
inline const std::vector<int> kProbedSampleRatesHz = {44100, 48000, 88200, 96000};

/// The periods `doctor` measures callback timing at, frames.
inline const std::vector<int> kProbedPeriodsFrames = {128, 256, 512};

/// Start-up time of a timing measurement left out of its statistics, s.
constexpr double kTimingSettleSeconds = 0.1;

/// How often a running measurement reads its stop flag, s: a stop takes
/// effect within this plus the time PortAudio needs to stop the stream.
constexpr double kStopPollSeconds = 0.01;

/// What `doctor` learns about one PortAudio device beyond its DeviceInfo.
struct DeviceCapabilities {
  DeviceInfo info;                      ///< index, name, host API, channels, default rate, default output
  std::vector<int> supported_rates_hz;  ///< the members of kProbedSampleRatesHz Pa_IsFormatSupported
                                        ///< accepts for float32 at min(2, max) channels (output side;
                                        ///< input side for input-only devices), ascending, Hz
  /// True when the device cannot be opened because another program holds it:
  /// PortAudio answers paDeviceUnavailable ("Device unavailable"; ALSA maps
  /// EBUSY to it), or a host error whose text says "busy" or "unavailable".
  bool busy = false;
  std::string busy_reason;  ///< PortAudio's or the host's words for why, e.g. "Device unavailable"
};

/// Probes every PortAudio device: DeviceInfo (via list_devices()), the
/// supported rates among kProbedSampleRatesHz and whether it is busy.
/// Busy detection: a Pa_IsFormatSupported answer of paDeviceUnavailable marks
/// the device busy (ALSA opens hardware to answer it); with `check_busy` each
/// device is also opened (Pa_OpenStream at its default rate, not started) and
/// closed again, which also catches hosts that only fail on open. Devices
/// that PortAudio hid at Pa_Initialize because they were busy then cannot be
/// reported (ALSA may list them with 0 channels).
/// Errors: errc::device_error when PortAudio cannot initialise or count
/// devices. Not real-time; may take a second or more (ALSA/JACK probing).
caf::expected<std::vector<DeviceCapabilities>> probe_devices(bool check_busy);

/// Callback timing of one PortAudio output stream measured by
/// measure_callback_timing(). Times in µs; intervals are between the starts
/// of consecutive callbacks (CLOCK_MONOTONIC).
struct CallbackTiming {
  int period_frames = 0;               ///< frames per buffer asked of PortAudio
  int delivered_frames = 0;            ///< largest framesPerBuffer PortAudio passed to the callback
  bool delivered_frames_vary = false;  ///< the callback saw different frame counts
  int sample_rate_hz = 0;              ///< stream rate, Hz
  std::uint64_t callbacks = 0;         ///< callbacks seen during the whole run
  /// Callbacks whose PaStreamCallbackTimeInfo carried a DAC time (non-zero
  /// outputBufferDacTime and currentTime); 0 = the host API gives none, and
  /// the node times its playout from outputLatency instead.
  std::uint64_t dac_time_callbacks = 0;
  std::uint64_t measured_callbacks = 0;  ///< callbacks after the settling time (the statistics' basis)
  /// Wake-ups of the host: callbacks that start more than a quarter of a
  /// delivered period after the previous one. Fewer wake-ups than callbacks
  /// means PortAudio ran several callbacks back to back per host period
  /// (e.g. JACK at 256 frames serving a 128-frame stream).
  std::uint64_t wakeups = 0;
  double host_frames_per_wakeup = 0;  ///< delivered frames / wakeups: the host's real period, frames
  double interval_p50_us = 0;         ///< median interval, µs
  double interval_p99_us = 0;         ///< 99th percentile interval (nearest rank), µs
  double interval_max_us = 0;         ///< largest interval, µs
  double jitter_p99_us = 0;           ///< 99th percentile of |interval − period_frames/rate|, µs
  std::uint64_t xruns = 0;            ///< wake-ups with a callback flagged paOutputUnderflow
                                      ///< (with JACK: any xrun of the server's graph)
  double output_latency_ms = 0;       ///< Pa_GetStreamInfo()->outputLatency, ms
  double seconds = 0;                 ///< wall time from Pa_StartStream to Pa_StopStream, s
                                      ///< (kTimingSettleSeconds + the measured time)

  /// The nominal period period_frames / sample_rate_hz, µs (0 when the rate is 0).
  double period_us() const;
};

/// Opens a stereo (or mono, if that is all it has) float32 output stream on
/// PortAudio device `device_index` (-1 = the default output) at
/// `sample_rate_hz` and `period_frames` frames per buffer, runs it for
/// `seconds` with a callback that writes silence, timestamps each call into a
/// preallocated array and notes underflow flags (no allocation, locks or I/O
/// in the callback), then stops it and computes the statistics. The stream
/// runs kTimingSettleSeconds longer than `seconds`: callbacks in that first
/// stretch (stream start-up, port connections) count in `callbacks` but are
/// left out of the interval, jitter, wake-up and xrun figures.
/// Errors: errc::value_out_of_range for a rate outside 8000–384000 Hz, a
/// period outside 16–8192 frames or seconds outside 0.05–60;
/// errc::device_not_found for an unknown index or a device without outputs;
/// errc::device_error when PortAudio cannot open/start the stream (sentence
/// has PortAudio's words) or no callback arrived; errc::not_ready when `stop`
/// was set during the run (the stream is stopped and closed first).
/// Blocks for `seconds`, or until `stop` (may be null: never) is set by
/// another thread: it is read every kStopPollSeconds. Not real-time.
caf::expected<CallbackTiming> measure_callback_timing(int device_index, int sample_rate_hz, int period_frames,
                                                      double seconds, const std::atomic<bool>* stop = nullptr);

/// The largest jitter_p99_us a period may show, as a fraction of the period,
/// for recommend_buffer() to call it clean.
constexpr double kMaxJitterFraction = 0.25;

/// A buffer-size recommendation with the measurements behind it.
struct BufferAdvice {
  int recommended_period_frames = 0;     ///< one of the measured periods; 0 when nothing was measured
  std::string reason;                    ///< one plain sentence, e.g. "256 frames (5.33 ms at 48000 Hz): ..."
  std::vector<CallbackTiming> measured;  ///< the timings, ascending by period
};

/// Recommends a period from measurements. Rule: a timing is clean when it has
/// 0 xruns and jitter_p99_us < kMaxJitterFraction × its period; the smallest
/// clean period wins. When none is clean, the largest measured period is
/// recommended and the reason says what was wrong with each. The reason also
/// says when PortAudio delivered another size than asked or ran several
/// callbacks per host wake-up. Pure.
BufferAdvice recommend_buffer(const std::vector<CallbackTiming>& timings);

/// Measures `periods_frames` on one device (each for `seconds_each`) and
/// recommends one. Periods whose stream fails to open are skipped and named
/// in the reason. Errors: the first measurement error when none succeeded;
/// errc::not_ready as soon as `stop` is seen set (between periods or inside a
/// measurement: see measure_callback_timing()), whatever was measured before.
/// Blocks for about periods × seconds_each, or until `stop` (may be null:
/// never) is set by another thread; not real-time.
caf::expected<BufferAdvice> advise_buffer(int device_index, int sample_rate_hz, const std::vector<int>& periods_frames,
                                          double seconds_each, const std::atomic<bool>* stop = nullptr);

/// Plain-language findings for `doctor`: one sentence per device about being
/// busy or about its rate against `mesh_rate_hz` (matches / can be opened at
/// it / does not support it), a sentence when there is no output device
/// ("... can only run with --backend virtual"), and the buffer
/// recommendation when `advice` is set. Pure.
std::vector<std::string> doctor_findings(const std::vector<DeviceCapabilities>& devices, int mesh_rate_hz,
                                         const std::optional<BufferAdvice>& advice);

/// The human `doctor` report: a device table (index, channels, default rate,
/// supported rates, busy, host API, name), the timing table when `advice` is
/// set, and the findings as bullet lines. Pure.
std::string format_doctor_report(const std::vector<DeviceCapabilities>& devices, int mesh_rate_hz,
                                 const std::optional<BufferAdvice>& advice);

/// The `doctor --json` form: {"mesh_rate_hz", "devices": [...], "buffer_advice":
/// {...} or null, "findings": [...]}. Field names carry units. Pure.
nlohmann::json doctor_report_json(const std::vector<DeviceCapabilities>& devices, int mesh_rate_hz,
                                  const std::optional<BufferAdvice>& advice);

/// nlohmann::json conversions (found by ADL: `nlohmann::json j = caps;`).
void to_json(nlohmann::json& j, const DeviceCapabilities& d);
/// See above; times in µs/ms/s as the field names say.
void to_json(nlohmann::json& j, const CallbackTiming& t);
/// See above; includes the measured timings.
void to_json(nlohmann::json& j, const BufferAdvice& a);

}  // namespace crowdmesh::device
