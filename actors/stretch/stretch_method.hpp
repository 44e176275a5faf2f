#pragma once
#include <string>

#include "caf/expected.hpp"

namespace crowdmesh::stretch {

/// How a source follows the tempo ratio (README, "Tempo that follows the dancers").
///  - playback_rate: varispeed through libsamplerate — the tempo ratio is folded
///    into the one file → device conversion, so pitch follows tempo like a
///    turntable (band-limited, never a truncated index).
///  - soundtouch: the file is converted at the fixed device/file rate, then
///    SoundTouch (WSOLA) changes the tempo with the pitch preserved.
enum class StretchMethod { playback_rate, soundtouch };

/// Parses the exact lower-case name ("playback_rate" or "soundtouch"). Errors:
/// errc::value_out_of_range whose sentence quotes the text given and lists both
/// allowed values. Thread-safe (pure).
caf::expected<StretchMethod> parse_stretch_method(const std::string& text);

/// The name parse_stretch_method() accepts for `method`. Thread-safe (pure).
std::string to_string(StretchMethod method);

}  // namespace crowdmesh::stretch
