#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <optional>

#include "device/device_actor.hpp"
#include "encoder/encoder_stats.hpp"
#include "mixer/mixer_status.hpp"

namespace crowdmesh::node {

/// What a run of audio_node did, for --summary-json and the exit line.
struct RunSummary {
  device::DeviceRunReport device;
  mixer::MixerStatus mixer;
  std::vector<std::string> errors;               ///< every bad input / failure sentence of the run
  std::vector<std::string> not_ready;            ///< decks that were not ready at the start
  std::uint64_t max_rss_kib = 0;                 ///< peak resident memory of the process, KiB
  std::optional<encoder::EncoderStats> encoder;  ///< final stats when the node encoded
  bool played = true;                            ///< false on an encoder-only node (no device)
  double seconds = 0;                            ///< encoder-only: wall-clock seconds run
};

/// JSON object of an encoder's stats (also used by telemetry): stream_id,
/// source, sample_rate_hz, channels, chunks, frames_in, gaps, lost_chunks,
/// concealed_frames, late_chunks, dropped_chunks, backlog_frames,
/// format_changes, restarts, outputs[{name, codec, bitrate_kbps, state,
/// target, last_error, frames_in, bytes_out, realtime_factor, streams,
/// reconnects, bytes_dropped, errors}].
nlohmann::json to_json(const encoder::EncoderStats& s);

/// JSON text with at least: frames_played, xruns, underrun_frames, period_us,
/// callback_us {p50, p99, max}, sample_rate_hz, period_frames, backend,
/// record_path, recorded_frames, seconds_played, max_rss_kib, decks[{deck, buffers[{id, file,
/// format, file_rate_hz, file_channels, state, position_seconds,
/// underrun_frames, error}]}], errors[], not_ready[].
std::string to_json(const RunSummary& s);

/// One line for humans, e.g. "played 20.00 s on virtual 48000 Hz ...: 0 xruns,
/// callback p50/p99/max 3/7/40 µs (period 5333 µs); decks: A playing, B ended".
std::string to_line(const RunSummary& s);

}  // namespace crowdmesh::node
