#pragma once
#include <optional>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "structure/struct_track.hpp"

namespace crowdmesh::structure {

/// Which tracks a set takes, as the original struct_loader's search: a BPM
/// range — [bpm_min, bpm_max] when either is given (a missing side is open),
/// else [bpm − delta, bpm + delta] when bpm is given, else any — and keys
/// (any of them, case-insensitive; empty = any). Bounds are inclusive.
struct TrackFilter {
  std::optional<double> bpm;
  double delta = 2.0;
  std::optional<double> bpm_min;
  std::optional<double> bpm_max;
  std::vector<std::string> keys;

  /// True when `t` passes. Pure.
  bool matches(const StructTrack& t) const;
};

/// Parses "Gm,Cm , 8A" into {"Gm", "Cm", "8A"} (blank entries dropped).
std::vector<std::string> parse_key_list(const std::string& text);

/// Checks the filter's values: BPMs in (0, 1000], delta in [0, 500],
/// bpm_min <= bpm_max. Errors name the option and its range
/// (value_out_of_range). Pure.
caf::expected<void> validate(const TrackFilter& f);

/// The tracks that pass `f`, ordered by path (deterministic). Pure.
std::vector<StructTrack> select_tracks(const std::vector<StructTrack>& tracks, const TrackFilter& f);

}  // namespace crowdmesh::structure
