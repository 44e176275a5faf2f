#include "device/device_probe.hpp"
#include "common/local_clock.hpp"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>
#include <portaudio.h>

#include "common/error.hpp"
#include "device/portaudio_session.hpp"

namespace crowdmesh::device {

namespace {

bool contains_ci(const std::string& text, const char* word) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find(word) != std::string::npos;
}

// PortAudio's words for an error, with the host's own text for host errors.
std::string pa_reason(PaError err) {
  std::string reason = Pa_GetErrorText(err);
  if (err == paUnanticipatedHostError) {
    const PaHostErrorInfo* host = Pa_GetLastHostErrorInfo();
    if (host != nullptr && host->errorText != nullptr && host->errorText[0] != '\0')
      reason += std::string(": ") + host->errorText;
  }
  return reason;
}

bool means_busy(PaError err, const std::string& reason) {
  return err == paDeviceUnavailable || contains_ci(reason, "busy") || contains_ci(reason, "unavailable");
}

// Stream parameters for a quick test: the output side, or the input side for
// input-only devices; min(2, max) channels of float32.
bool test_parameters(const PaDeviceInfo& info, PaDeviceIndex index, PaStreamParameters& params, bool& is_output) {
  params = PaStreamParameters{};
  params.device = index;
  params.sampleFormat = paFloat32;
  if (info.maxOutputChannels > 0) {
    is_output = true;
    params.channelCount = std::min(2, info.maxOutputChannels);
    params.suggestedLatency = info.defaultLowOutputLatency;
    return true;
  }
  if (info.maxInputChannels > 0) {
    is_output = false;
    params.channelCount = std::min(2, info.maxInputChannels);
    params.suggestedLatency = info.defaultLowInputLatency;
    return true;
  }
  return false;
}

// ---- callback timing --------------------------------------------------------

struct TimingState {
  std::int64_t* stamps_ns = nullptr;  // preallocated; written only by the callback
  std::uint8_t* underflow = nullptr;  // preallocated; 1 when that callback was flagged
  std::size_t capacity = 0;
  std::atomic<std::size_t> count{0};
  std::atomic<std::uint64_t> callbacks{0};
  std::atomic<std::uint64_t> dac_times{0};
  std::atomic<int> frames_min{0};
  std::atomic<int> frames_max{0};
  int channels = 2;
};

int timing_callback(const void*, void* output, unsigned long frames, const PaStreamCallbackTimeInfo* time_info,
                    PaStreamCallbackFlags flags, void* user) {
  auto* st = static_cast<TimingState*>(user);
  if (time_info != nullptr && time_info->outputBufferDacTime > 0 && time_info->currentTime > 0)
    st->dac_times.store(st->dac_times.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  const std::int64_t now_ns = steady_now_ns();
  const std::size_t n = st->count.load(std::memory_order_relaxed);
  if (n < st->capacity) {
    st->stamps_ns[n] = now_ns;
    st->underflow[n] = (flags & paOutputUnderflow) != 0 ? 1 : 0;
    st->count.store(n + 1, std::memory_order_release);
  }
  const std::uint64_t seen = st->callbacks.fetch_add(1, std::memory_order_relaxed);
  const int f = static_cast<int>(frames);
  if (seen == 0 || f < st->frames_min.load(std::memory_order_relaxed))
    st->frames_min.store(f, std::memory_order_relaxed);
  if (f > st->frames_max.load(std::memory_order_relaxed)) st->frames_max.store(f, std::memory_order_relaxed);
  if (output != nullptr) std::memset(output, 0, frames * static_cast<unsigned long>(st->channels) * sizeof(float));
  return paContinue;
}

// Nearest-rank percentile of an ascending vector; 0 when empty.
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::max<std::size_t>(rank, 1);
  return sorted[std::min(rank, sorted.size()) - 1];
}

// Statistics over the callbacks after the settling time. A wake-up starts
// with a callback more than a quarter of a delivered period (at least 200 µs)
// after the previous one; an xrun is a wake-up with an underflow flag (the
// buffer processor repeats the host's flag on every callback of a wake-up).
void compute_statistics(const std::vector<std::int64_t>& stamps_ns, const std::vector<std::uint8_t>& underflow,
                        std::size_t count, CallbackTiming& t) {
  const double period_us = t.period_us();
  const double delivered_us =
      t.sample_rate_hz > 0 ? 1e6 * static_cast<double>(t.delivered_frames) / t.sample_rate_hz : 0;
  const double wakeup_gap_us = std::max(200.0, 0.25 * delivered_us);
  std::size_t first = 0;
  if (count > 0) {
    const auto settle_ns = static_cast<std::int64_t>(kTimingSettleSeconds * 1e9);
    while (first < count && stamps_ns[first] - stamps_ns[0] < settle_ns) ++first;
  }
  std::vector<double> intervals;
  std::vector<double> jitter;
  bool wakeup_flagged = false;
  for (std::size_t i = first; i < count; ++i) {
    bool new_wakeup = i == first;
    if (i > first) {
      const double us = static_cast<double>(stamps_ns[i] - stamps_ns[i - 1]) / 1000.0;
      intervals.push_back(us);
      jitter.push_back(std::fabs(us - period_us));
      new_wakeup = us > wakeup_gap_us;
    }
    if (new_wakeup) {
      ++t.wakeups;
      wakeup_flagged = false;
    }
    if (underflow[i] != 0 && !wakeup_flagged) {
      ++t.xruns;
      wakeup_flagged = true;
    }
  }
  t.measured_callbacks = count - first;
  std::sort(intervals.begin(), intervals.end());
  std::sort(jitter.begin(), jitter.end());
  t.interval_p50_us = percentile(intervals, 0.50);
  t.interval_p99_us = percentile(intervals, 0.99);
  t.interval_max_us = intervals.empty() ? 0 : intervals.back();
  t.jitter_p99_us = percentile(jitter, 0.99);
  t.host_frames_per_wakeup =
      t.wakeups > 0 ? static_cast<double>(t.measured_callbacks) * t.delivered_frames / static_cast<double>(t.wakeups)
                    : 0;
}

// ---- wording ------------------------------------------------------------------

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string ms(double micros) { return fixed(micros / 1000.0, 2) + " ms"; }

std::string rate_list(const std::vector<int>& rates) {
  std::string out;
  for (std::size_t i = 0; i < rates.size(); ++i) out += (i == 0 ? "" : ", ") + std::to_string(rates[i]);
  return out;
}

bool is_clean(const CallbackTiming& t) {
  return t.xruns == 0 && t.callbacks > 0 && t.jitter_p99_us < kMaxJitterFraction * t.period_us();
}

// What was wrong with a timing that is not clean, e.g. "128 frames had 3 xruns".
std::string fault(const CallbackTiming& t) {
  std::string out = std::to_string(t.period_frames) + " frames ";
  if (t.callbacks == 0) return out + "produced no callbacks";
  std::string parts;
  if (t.xruns > 0) parts = "had " + std::to_string(t.xruns) + (t.xruns == 1 ? " xrun" : " xruns");
  if (t.jitter_p99_us >= kMaxJitterFraction * t.period_us()) {
    parts += parts.empty() ? "had " : " and ";
    parts += "p99 jitter " + ms(t.jitter_p99_us) + " (limit " + ms(kMaxJitterFraction * t.period_us()) + ")";
  }
  return out + parts;
}

// How PortAudio served a period when it was not one callback per host wake-up.
std::string delivery_note(const CallbackTiming& t) {
  if (t.delivered_frames != t.period_frames && t.delivered_frames > 0)
    return std::to_string(t.period_frames) + " frames were delivered as " + std::to_string(t.delivered_frames) +
           "-frame callbacks";
  if (t.wakeups > 0 && t.host_frames_per_wakeup > 1.25 * t.period_frames)
    return "at " + std::to_string(t.period_frames) + " frames the host woke every ~" +
           fixed(t.host_frames_per_wakeup, 0) + " frames, so callbacks came in bursts";
  return {};
}

std::string device_label(const DeviceInfo& d) { return "Device '" + d.name + "' (" + d.host_api + ")"; }

bool stop_set(const std::atomic<bool>* stop) { return stop != nullptr && stop->load(std::memory_order_acquire); }

// Waits until `until` (the length of a measurement, not a synchronisation) or
// until `stop` is set; true when it stopped early.
bool wait_unless_stopped(std::chrono::steady_clock::time_point until, const std::atomic<bool>* stop) {
  const auto poll = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(kStopPollSeconds));
  for (;;) {
    if (stop_set(stop)) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return false;
    std::this_thread::sleep_for(std::min(poll, until - now));
  }
}

caf::error stopped_error(const std::string& what) {
  return make_error(errc::not_ready, what + ": measurement stopped before its end (asked to stop)");
}

}  // namespace

double CallbackTiming::period_us() const {
  return sample_rate_hz > 0 ? 1e6 * static_cast<double>(period_frames) / sample_rate_hz : 0;
}

caf::expected<std::vector<DeviceCapabilities>> probe_devices(bool check_busy) {
  auto session = PortAudioSession::open();
  if (!session) return session.error();
  auto listed = list_devices();
  if (!listed) return listed.error();
  std::vector<DeviceCapabilities> out;
  out.reserve(listed->size());
  for (auto& info : *listed) {
    DeviceCapabilities caps;
    caps.info = std::move(info);
    const PaDeviceInfo* pa = Pa_GetDeviceInfo(caps.info.index);
    PaStreamParameters params{};
    bool is_output = true;
    if (pa == nullptr || !test_parameters(*pa, caps.info.index, params, is_output)) {
      out.push_back(std::move(caps));
      continue;
    }
    for (int rate : kProbedSampleRatesHz) {
      const PaError err =
          Pa_IsFormatSupported(is_output ? nullptr : &params, is_output ? &params : nullptr, static_cast<double>(rate));
      if (err == paFormatIsSupported) {
        caps.supported_rates_hz.push_back(rate);
      } else if (err == paDeviceUnavailable && !caps.busy) {
        caps.busy = true;
        caps.busy_reason = pa_reason(err);
      }
    }
    if (check_busy && !caps.busy) {
      PaStream* stream = nullptr;
      const double rate = pa->defaultSampleRate > 0 ? pa->defaultSampleRate : 48000.0;
      const PaError err = Pa_OpenStream(&stream, is_output ? nullptr : &params, is_output ? &params : nullptr, rate,
                                        paFramesPerBufferUnspecified, paNoFlag, nullptr, nullptr);
      if (err == paNoError) {
        Pa_CloseStream(stream);
      } else {
        const std::string reason = pa_reason(err);
        if (means_busy(err, reason)) {
          caps.busy = true;
          caps.busy_reason = reason;
        }
      }
    }
    out.push_back(std::move(caps));
  }
  return out;
}

caf::expected<CallbackTiming> measure_callback_timing(int device_index, int sample_rate_hz, int period_frames,
                                                      double seconds, const std::atomic<bool>* stop) {
  if (sample_rate_hz < 8000 || sample_rate_hz > 384000)
    return make_error(errc::value_out_of_range,
                      "sample rate " + std::to_string(sample_rate_hz) + " Hz is outside 8000–384000 Hz");
  if (period_frames < 16 || period_frames > 8192)
    return make_error(errc::value_out_of_range,
                      "period " + std::to_string(period_frames) + " frames is outside 16–8192 frames");
  if (!(seconds >= 0.05 && seconds <= 60))
    return make_error(errc::value_out_of_range, "measurement time " + fixed(seconds, 3) + " s is outside 0.05–60 s");

  auto session = PortAudioSession::open();
  if (!session) return session.error();
  const PaDeviceIndex count = Pa_GetDeviceCount();
  const PaDeviceIndex index = device_index < 0 ? Pa_GetDefaultOutputDevice() : device_index;
  if (index == paNoDevice || index < 0 || index >= count)
    return make_error(errc::device_not_found, device_index < 0
                                                  ? std::string("no default audio output device")
                                                  : "no audio device with index " + std::to_string(device_index) +
                                                        " (" + std::to_string(count < 0 ? 0 : count) +
                                                        " devices; run audio_node --list-devices)");
  const PaDeviceInfo* info = Pa_GetDeviceInfo(index);
  if (info == nullptr || info->maxOutputChannels < 1)
    return make_error(errc::device_not_found,
                      "audio device " + std::to_string(index) + " has no output channels to time");
  const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
  const std::string what = "audio device " + std::to_string(index) + " '" + (info->name ? info->name : "") + "' (" +
                           (api != nullptr && api->name != nullptr ? api->name : "?") + ") at " +
                           std::to_string(sample_rate_hz) + " Hz, " + std::to_string(period_frames) + " frames/period";

  TimingState st;
  st.channels = std::min(2, info->maxOutputChannels);
  // Room for four times the expected callbacks: hosts may split periods.
  const double expected = (kTimingSettleSeconds + seconds) * sample_rate_hz / period_frames;
  std::vector<std::int64_t> stamps(static_cast<std::size_t>(expected * 4) + 64);
  std::vector<std::uint8_t> underflow(stamps.size());
  st.stamps_ns = stamps.data();
  st.underflow = underflow.data();
  st.capacity = stamps.size();

  PaStreamParameters out{};
  out.device = index;
  out.channelCount = st.channels;
  out.sampleFormat = paFloat32;
  out.suggestedLatency = info->defaultLowOutputLatency;
  PaStream* stream = nullptr;
  PaError err = Pa_OpenStream(&stream, nullptr, &out, sample_rate_hz, static_cast<unsigned long>(period_frames),
                              paClipOff | paDitherOff, &timing_callback, &st);
  if (err != paNoError) return make_error(errc::device_error, "cannot open " + what + ": " + pa_reason(err));
  CallbackTiming t;
  t.period_frames = period_frames;
  t.sample_rate_hz = sample_rate_hz;
  if (const PaStreamInfo* si = Pa_GetStreamInfo(stream); si != nullptr) t.output_latency_ms = si->outputLatency * 1e3;

  const auto started = std::chrono::steady_clock::now();
  err = Pa_StartStream(stream);
  if (err != paNoError) {
    Pa_CloseStream(stream);
    return make_error(errc::device_error, "cannot start " + what + ": " + pa_reason(err));
  }
  const bool stopped_early = wait_unless_stopped(
      started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(kTimingSettleSeconds + seconds)),
      stop);
  Pa_StopStream(stream);
  const auto stopped = std::chrono::steady_clock::now();
  Pa_CloseStream(stream);
  if (stopped_early) return stopped_error(what);

  t.seconds = std::chrono::duration<double>(stopped - started).count();
  t.callbacks = st.callbacks.load(std::memory_order_acquire);
  t.dac_time_callbacks = st.dac_times.load(std::memory_order_relaxed);
  t.delivered_frames = st.frames_max.load(std::memory_order_relaxed);
  t.delivered_frames_vary = t.callbacks > 0 && st.frames_min.load(std::memory_order_relaxed) != t.delivered_frames;
  if (t.callbacks == 0)
    return make_error(errc::device_error,
                      what + " produced no callbacks in " + fixed(t.seconds, 2) + " s (is the host running?)");
  compute_statistics(stamps, underflow, st.count.load(std::memory_order_acquire), t);
  return t;
}

BufferAdvice recommend_buffer(const std::vector<CallbackTiming>& timings) {
  BufferAdvice advice;
  advice.measured = timings;
  std::stable_sort(advice.measured.begin(), advice.measured.end(),
                   [](const CallbackTiming& a, const CallbackTiming& b) { return a.period_frames < b.period_frames; });
  if (advice.measured.empty()) {
    advice.reason = "no callback timing was measured";
    return advice;
  }
  const CallbackTiming* chosen = nullptr;
  for (const auto& t : advice.measured)
    if (is_clean(t)) {
      chosen = &t;
      break;
    }
  const bool clean = chosen != nullptr;
  if (!clean) chosen = &advice.measured.back();
  const CallbackTiming& c = *chosen;
  advice.recommended_period_frames = c.period_frames;

  std::string r = std::to_string(c.period_frames) + " frames (" + ms(c.period_us()) + " at " +
                  std::to_string(c.sample_rate_hz) + " Hz): p99 callback jitter " + ms(c.jitter_p99_us) + ", " +
                  std::to_string(c.xruns) + (c.xruns == 1 ? " xrun" : " xruns");
  if (!clean)
    r += "; no measured size was clean (0 xruns and p99 jitter below " + fixed(kMaxJitterFraction * 100, 0) +
         " % of the period), so the largest is advised";
  for (const auto& t : advice.measured) {
    if (&t == chosen) continue;
    if (clean && t.period_frames > c.period_frames) break;
    if (!is_clean(t)) r += "; " + fault(t);
  }
  for (const auto& t : advice.measured) {
    const std::string note = delivery_note(t);
    if (!note.empty()) r += "; " + note;
  }
  advice.reason = r + ".";
  return advice;
}

caf::expected<BufferAdvice> advise_buffer(int device_index, int sample_rate_hz, const std::vector<int>& periods_frames,
                                          double seconds_each, const std::atomic<bool>* stop) {
  std::vector<CallbackTiming> timings;
  std::vector<std::string> failures;
  caf::error first_error;
  for (int period : periods_frames) {
    if (stop_set(stop))
      return stopped_error("buffer advice on audio device " + std::to_string(device_index) + " before " +
                           std::to_string(period) + " frames");
    auto t = measure_callback_timing(device_index, sample_rate_hz, period, seconds_each, stop);
    if (t) {
      timings.push_back(*t);
    } else if (stop_set(stop)) {
      return t.error();
    } else {
      if (!first_error) first_error = t.error();
      failures.push_back(std::to_string(period) + " frames could not be measured (" + error_sentence(t.error()) + ")");
    }
  }
  if (timings.empty()) {
    if (first_error) return first_error;
    return make_error(errc::value_out_of_range, "no buffer sizes were given to measure");
  }
  BufferAdvice advice = recommend_buffer(timings);
  for (const auto& f : failures) {
    advice.reason.pop_back();  // the final '.'
    advice.reason += "; " + f + ".";
  }
  return advice;
}

std::vector<std::string> doctor_findings(const std::vector<DeviceCapabilities>& devices, int mesh_rate_hz,
                                         const std::optional<BufferAdvice>& advice) {
  std::vector<std::string> out;
  const std::string mesh = std::to_string(mesh_rate_hz) + " Hz";
  bool any_output = false;
  for (const auto& d : devices) {
    if (d.info.max_output_channels > 0) any_output = true;
    if (d.busy) {
      out.push_back("Device '" + d.info.name + "' is busy: another program holds it (" +
                    (d.busy_reason.empty() ? std::string("Device unavailable") : d.busy_reason) + ").");
      continue;
    }
    if (d.info.max_output_channels <= 0 && d.info.max_input_channels <= 0) continue;
    const bool supported =
        std::find(d.supported_rates_hz.begin(), d.supported_rates_hz.end(), mesh_rate_hz) != d.supported_rates_hz.end();
    const bool jack = d.info.host_api.find("JACK") != std::string::npos;
    const auto default_hz = static_cast<long>(std::lround(d.info.default_sample_rate_hz));
    if (supported && default_hz == mesh_rate_hz) {
      out.push_back(device_label(d.info) + " runs at " + mesh + ": matches the mesh rate.");
    } else if (supported) {
      out.push_back(device_label(d.info) + " defaults to " + std::to_string(default_hz) + " Hz but supports " + mesh +
                    ": the node opens it at the mesh rate.");
    } else if (jack) {
      out.push_back(device_label(d.info) + " runs at " + std::to_string(default_hz) + " Hz, not the mesh rate " + mesh +
                    ": restart jackd with -r " + std::to_string(mesh_rate_hz) + ".");
    } else {
      out.push_back("Device '" + d.info.name + "' does not support " + mesh + " (supports " +
                    (d.supported_rates_hz.empty() ? std::string("none of ") + rate_list(kProbedSampleRatesHz)
                                                  : rate_list(d.supported_rates_hz)) +
                    "): the node will resample or fail to open.");
    }
  }
  if (!any_output) out.push_back("No output device: the node can only run with --backend virtual.");
  if (advice && !advice->measured.empty()) {
    std::uint64_t with_dac = 0;
    for (const auto& t : advice->measured) with_dac += t.dac_time_callbacks;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f ms", advice->measured.front().output_latency_ms);
    out.push_back(with_dac > 0
                      ? std::string("The host API reports each period's DAC time: multi-room playout is timed from it.")
                      : std::string("The host API gives no DAC time (timeInfo zeros): multi-room playout is timed "
                                    "from the stream's output latency (") +
                            buf + "); measure the card and set --output-trim-us if rooms sound apart.");
  }
  if (advice) {
    if (advice->recommended_period_frames > 0)
      out.push_back("Recommended buffer: " + advice->reason);
    else
      out.push_back("No buffer recommendation: " + advice->reason +
                    (advice->reason.empty() || advice->reason.back() == '.' ? "" : "."));
  }
  return out;
}

std::string format_doctor_report(const std::vector<DeviceCapabilities>& devices, int mesh_rate_hz,
                                 const std::optional<BufferAdvice>& advice) {
  std::string out = "Devices (mesh rate " + std::to_string(mesh_rate_hz) + " Hz):\n";
  out += "  index  out   in   default  supported rates              state  host API                    name\n";
  char line[256];
  for (const auto& d : devices) {
    const std::string rates = d.supported_rates_hz.empty() ? "-" : rate_list(d.supported_rates_hz);
    std::snprintf(line, sizeof line, "%c %5d  %3d  %3d  %8.0f  %-27s  %-5s  %-26s  ",
                  d.info.is_default_output ? '*' : ' ', d.info.index, d.info.max_output_channels,
                  d.info.max_input_channels, d.info.default_sample_rate_hz, rates.c_str(), d.busy ? "busy" : "ok",
                  d.info.host_api.c_str());
    out += line;
    out += d.info.name;
    out += '\n';
  }
  out += devices.empty() ? "(no audio devices found)\n" : "(* = default output)\n";
  if (advice && !advice->measured.empty()) {
    out += "Callback timing:\n";
    out += "  period  delivered  per wake-up  callbacks  interval p50/p99/max ms    jitter p99 ms  xruns\n";
    for (const auto& t : advice->measured) {
      std::snprintf(line, sizeof line, "  %6d  %9d  %11.0f  %9llu  %6.2f / %6.2f / %6.2f   %13.2f  %5llu\n",
                    t.period_frames, t.delivered_frames, t.host_frames_per_wakeup,
                    static_cast<unsigned long long>(t.callbacks), t.interval_p50_us / 1e3, t.interval_p99_us / 1e3,
                    t.interval_max_us / 1e3, t.jitter_p99_us / 1e3, static_cast<unsigned long long>(t.xruns));
      out += line;
    }
  }
  out += "Findings:\n";
  for (const auto& f : doctor_findings(devices, mesh_rate_hz, advice)) out += "- " + f + "\n";
  return out;
}

void to_json(nlohmann::json& j, const DeviceCapabilities& d) {
  j = nlohmann::json{{"index", d.info.index},
                     {"name", d.info.name},
                     {"host_api", d.info.host_api},
                     {"max_output_channels", d.info.max_output_channels},
                     {"max_input_channels", d.info.max_input_channels},
                     {"default_sample_rate_hz", d.info.default_sample_rate_hz},
                     {"is_default_output", d.info.is_default_output},
                     {"supported_rates_hz", d.supported_rates_hz},
                     {"busy", d.busy},
                     {"busy_reason", d.busy_reason}};
}

void to_json(nlohmann::json& j, const CallbackTiming& t) {
  j = nlohmann::json{{"period_frames", t.period_frames},
                     {"delivered_frames", t.delivered_frames},
                     {"delivered_frames_vary", t.delivered_frames_vary},
                     {"sample_rate_hz", t.sample_rate_hz},
                     {"callbacks", t.callbacks},
                     {"measured_callbacks", t.measured_callbacks},
                     {"wakeups", t.wakeups},
                     {"host_frames_per_wakeup", t.host_frames_per_wakeup},
                     {"interval_p50_us", t.interval_p50_us},
                     {"interval_p99_us", t.interval_p99_us},
                     {"interval_max_us", t.interval_max_us},
                     {"jitter_p99_us", t.jitter_p99_us},
                     {"xruns", t.xruns},
                     {"output_latency_ms", t.output_latency_ms},
                     {"dac_time_callbacks", t.dac_time_callbacks},
                     {"seconds", t.seconds}};
}

void to_json(nlohmann::json& j, const BufferAdvice& a) {
  j = nlohmann::json{
      {"recommended_period_frames", a.recommended_period_frames}, {"reason", a.reason}, {"measured", a.measured}};
}

nlohmann::json doctor_report_json(const std::vector<DeviceCapabilities>& devices, int mesh_rate_hz,
                                  const std::optional<BufferAdvice>& advice) {
  nlohmann::json j;
  j["mesh_rate_hz"] = mesh_rate_hz;
  j["devices"] = devices;
  j["buffer_advice"] = advice ? nlohmann::json(*advice) : nlohmann::json(nullptr);
  j["findings"] = doctor_findings(devices, mesh_rate_hz, advice);
  return j;
}

}  // namespace crowdmesh::device
