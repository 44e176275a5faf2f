#pragma once
#include <atomic>
#include <optional>
#include <ostream>
#include <string>

#include "structure/section_render.hpp"
#include "structure/track_filter.hpp"

namespace crowdmesh::control {

/// `control_node sections STRUCT_DIR --out DIR ...`: what struct_loader did,
/// locally (no node needed): docs/STRUCTURE.md.
struct SectionsOptions {
  /// Folder of struct JSON files (one per track).
  std::string struct_dir;
  /// Where the parts, the CSV and the Rekordbox XML go (created).
  std::string out_dir;
  /// Where the audio files are, when the JSON's `path` is not found as given.
  std::string audio_dir;
  /// A Rekordbox collection whose BPM and keys override the JSONs'.
  std::string rekordbox_in;
  /// Which tracks: BPM range and keys.
  structure::TrackFilter filter;
  /// Tempo of every part; default --bpm, else each track's own BPM.
  std::optional<double> target_bpm;
  /// The part runs from the end of the intro to the end of this section (1-based).
  int n_sections = 6;
  structure::PartFormat format = structure::PartFormat::wav16;
  /// Output rate, Hz; 0 = each file's own.
  int rate_hz = 0;
  /// Also write the original-speed cut to OUT/orig/ (as the original did).
  bool orig_parts = true;
};

/// Runs the export: checks the output folder first (nothing is rendered when
/// it cannot be written), reads every *.json (a bad one is one line on `err`
/// naming the file and the problem; the rest go on), applies the Rekordbox
/// collection, filters, renders each track's part (and its original-speed
/// cut), writes OUT/sections.csv and OUT/sections.xml, and prints a summary
/// on `out`. A progress bar goes to stderr when it is a terminal. `stop`
/// (Ctrl-C) ends it between tracks. Returns kExitOk when at least one track
/// was exported, kExitErrorReply when none, kExitUsage for bad options or an
/// unwritable output folder.
int run_sections(const SectionsOptions& options, std::ostream& out, std::ostream& err, const std::atomic<bool>& stop);

}  // namespace crowdmesh::control
