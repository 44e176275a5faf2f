#pragma once
#include <string>

#include "caf/expected.hpp"
#include "common/mesh_config.hpp"

namespace crowdmesh::tempo {

/// Loads a bpm_config.json of the original server (README, "Tempo that follows the dancers"; the original's
/// "BPM Configuration Guide"):
///
///     {"movement_bpm": {
///        "movement_max_value": 0.6,
///        "thresholds":  {"very_very_low": 0.02, "very_low": 0.05, "low": 0.10, "medium": 0.15},
///        "bpm_targets": {"very_very_low": 105, "very_low": 110, "low": 115, "medium": 118, "high_max": 130},
///        "smoothing":   {"transition_time_seconds": 30,
///                        "audio_loop_rate_hz": 100, "smoothing_factor_up": 0.96, "smoothing_factor_down": 0.92}}}
///
/// The "movement_bpm" wrapper is required, as in every file of the original's
/// guide; a bare inner object is rejected with a sentence saying so. Missing
/// keys keep the defaults of MovementBpmSettings (`{}` is a valid file), as the
/// original's partial-override examples expect. `movement_bpm.base_bpm`
/// (20..300) is also accepted, as in the mesh TOML. The original's per-loop
/// smoothing keys (`audio_loop_rate_hz` > 0, `smoothing_factor_up` and
/// `smoothing_factor_down` in 0..1) are checked and ignored: the ramp runs in
/// wall-clock time (TempoRamp).
/// Ranges: thresholds 0..1 with very_very_low <= very_low <= low; `medium`
/// may equal or undercut `low`, as in the original's files (it ships
/// low = medium = 0.10 and shows "medium": 0.08 to make increases easier; the
/// rise then starts at `medium`, see MovementBpmCurve::target_bpm()): the one
/// rule of movement_table_problem(), as in the mesh TOML. movement_max_value in (medium, 1];
/// BPM targets 20..300; transition_time_seconds 0..3600.
/// Errors: errc::file_not_found (no such file; the absolute path),
/// errc::unreadable_file (a directory, unreadable, or not JSON: the absolute
/// path and the parser's position), errc::value_out_of_range (unknown key —
/// the sentence names it and lists the known keys — wrong type or out of
/// range: the absolute path, the key path, the value and the allowed range).
/// Thread-safe.
caf::expected<MovementBpmSettings> load_bpm_config_json(const std::string& path);

/// Parses bpm_config.json text (format and errors as load_bpm_config_json());
/// `origin` (the file's absolute path, or a label) starts every error sentence.
/// Thread-safe.
caf::expected<MovementBpmSettings> parse_bpm_config_json(const std::string& text, const std::string& origin);

}  // namespace crowdmesh::tempo
