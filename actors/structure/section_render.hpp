#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "caf/expected.hpp"

namespace crowdmesh::structure {

/// File format of a rendered section.
enum class PartFormat { wav16, wav24, wav_float, flac16, flac24 };

/// Parses "wav" (16-bit PCM, as the original's ffmpeg pcm_s16le), "wav24",
/// "wavf" (32-bit float), "flac" (16-bit), "flac24". Errors: value_out_of_range
/// listing the allowed names. Pure.
caf::expected<PartFormat> parse_part_format(const std::string& text);

/// File name extension of `f` without the dot ("wav", "flac").
const char* extension_of(PartFormat f);

/// One section to render: [start_s, end_s) of `input`, played `speed` times
/// as fast (target BPM / track BPM; 0.5..2, pitch kept: SoundTouch), at
/// `rate_hz` (0 = the file's rate; else converted with libsamplerate's
/// sinc_best), written to `output` as `format`.
struct SectionRenderSpec {
  std::string input;
  double start_s = 0;
  double end_s = 0;
  double speed = 1;
  int rate_hz = 0;
  std::string output;
  PartFormat format = PartFormat::wav16;
};

/// What render_section() wrote.
struct SectionRenderResult {
  std::int64_t frames = 0;  ///< frames written, at `rate_hz`
  int rate_hz = 0;          ///< the output's rate
  int channels = 0;
  double seconds() const { return rate_hz > 0 ? static_cast<double>(frames) / rate_hz : 0; }
};

/// Progress of a render, 0..1; called from the rendering thread.
using RenderProgress = std::function<void(double fraction)>;

/// Renders one section: decode (libsndfile), stretch (SoundTouch at `speed`),
/// convert the rate when asked, write. The output holds
/// round((end − start) × rate / speed) frames (SoundTouch's flush pads and
/// trims to input / tempo). Errors, each naming the path or value:
/// file_not_found / unreadable_file (the input), value_out_of_range (start <
/// 0, end <= start, end past the file's end (its length named), speed outside
/// 0.5..2, rate outside 8000..384000), io_error (the output cannot be
/// written; a partial file is removed). Thread-safe; allocates.
caf::expected<SectionRenderResult> render_section(const SectionRenderSpec& spec, const RenderProgress& progress = {});

}  // namespace crowdmesh::structure
