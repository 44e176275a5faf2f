#pragma once
#include <optional>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "structure/struct_track.hpp"

namespace crowdmesh::structure {

/// The cue points of a track's section range, the original struct_loader's
/// rules: `ini` = end of the last "intro" segment (labels compared
/// case-insensitively); the sections after it are the segments starting at
/// or after `ini`, counted from 1; `begin`/`end` = start/end of the n-th of
/// them. Seconds from the start of the file.
struct SectionCues {
  double ini = 0;
  double begin = 0;
  double end = 0;
};

/// End of the last intro segment; nullopt when the track has none. Pure.
std::optional<double> ini_cue(const StructTrack& t);

/// Index into t.segments of the first section after the intro; nullopt
/// without intro or without a segment after it. Pure.
std::optional<std::size_t> first_section_after_intro(const StructTrack& t);

/// The cues for section `n` (1-based) after the intro. Errors
/// (value_out_of_range, one sentence naming the file): n < 1; no intro
/// segment (the labels found are listed); fewer than n sections after the
/// intro (how many there are). Pure, thread-safe.
caf::expected<SectionCues> section_cues(const StructTrack& t, int n);

/// Downbeats inside [from, to) seconds, in order. Pure.
std::vector<double> downbeats_between(const StructTrack& t, double from, double to);

}  // namespace crowdmesh::structure
