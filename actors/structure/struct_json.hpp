#pragma once
#include <string>

#include "caf/expected.hpp"
#include "structure/struct_track.hpp"

namespace crowdmesh::structure {

/// Parses one struct JSON document (docs/STRUCTURE.md): required `path`
/// (string), `bpm` (number > 0), `segments` (array of {start, end, label});
/// optional `beats`, `downbeats` (numbers), `beat_positions` (integers 1..16,
/// as many as beats), `key` (string); other fields are ignored (the analyser
/// writes more). Every error is one sentence that starts with `origin` and
/// names the field and element ("beats[12] = 31.2 comes before beats[11] =
/// 31.7: beats must be in time order"): errc::unreadable_file for text that
/// is not JSON (a bare NaN, which Python's json writes, is named as such),
/// errc::value_out_of_range for missing fields, wrong types, negative,
/// non-finite or unsorted times, segments with end <= start or overlapping.
/// Pure, thread-safe.
caf::expected<StructTrack> parse_struct_json(const std::string& text, const std::string& origin);

/// Reads and parses the file at `path` (errc::file_not_found with the
/// absolute path; else as parse_struct_json()). Thread-safe.
caf::expected<StructTrack> load_struct_json(const std::string& path);

}  // namespace crowdmesh::structure
