#pragma once
#include <string>
#include <vector>

#include "structure/section_cues.hpp"
#include "structure/struct_track.hpp"

namespace crowdmesh::structure {

/// One exported track: a row of the set CSV, with the original struct_loader's
/// columns and meanings. Times in seconds of the source file, except the
/// `*_adj` ones: seconds within the exported part, which starts at ini_cue
/// and plays `speed` times as fast.
struct SectionRow {
  std::string path;
  double bpm = 0;
  std::string key;
  double target_bpm = 0;
  /// target_bpm / bpm.
  double speed = 1;
  double ini_cue = 0;
  double begin_cue = 0;
  double end_cue = 0;
  /// (begin_cue − ini_cue) / speed.
  double begin_cue_adj = 0;
  /// (end_cue − ini_cue) / speed.
  double end_cue_adj = 0;
  /// end_cue − ini_cue, s.
  double duration_orig = 0;
  /// The written part's length, s (frames / rate).
  double duration_sectioned = 0;
  std::string part_file_orig;
  std::string part_file;
};

/// The row for `t` at `target_bpm` with `cues` (durations and part files are
/// the caller's). Pure.
SectionRow make_row(const StructTrack& t, const SectionCues& cues, double target_bpm);

/// Seconds as the original's "M:SS.ss" (e.g. 75.5 → "1:15.50"; negative → "0:00.00"). Pure.
std::string format_mmss(double seconds);

/// The CSV text: the header `path,bpm,key,target_bpm,speed,ini_cue,begin_cue,
/// end_cue,begin_cue_adj,end_cue_adj,duration_orig,duration_sectioned,
/// part_file_orig,part_file` and one line per row (RFC 4180 quoting; numbers
/// with up to 6 decimals, durations as format_mmss()). Pure.
std::string sections_csv(const std::vector<SectionRow>& rows);

}  // namespace crowdmesh::structure
