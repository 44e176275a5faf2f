#pragma once
#include <string>
#include <vector>

namespace crowdmesh::structure {

/// One section of a track from music-structure analysis ("intro", "verse",
/// "chorus", "break", "outro", ...). Times in seconds from the start of the
/// file, start < end.
struct Segment {
  double start = 0;
  double end = 0;
  std::string label;
};

/// What a struct JSON says of one track (the all-in-one analyser's output,
/// docs/STRUCTURE.md): its file, tempo, beat grid and sections. Times in
/// seconds from the start of the file; every list sorted ascending. Plain data.
struct StructTrack {
  /// The audio file the analysis is of (as written in the JSON).
  std::string path;
  /// Tempo, BPM (> 0); a Rekordbox collection's AverageBpm overrides it.
  double bpm = 0;
  /// Musical key as the analyser or Rekordbox writes it ("Gm", "8A"); may be empty.
  std::string key;
  /// Beat onsets, s.
  std::vector<double> beats;
  /// Downbeats (first beat of each bar), s.
  std::vector<double> downbeats;
  /// Position of each beat in its bar (1 = downbeat), as many as `beats`, or empty.
  std::vector<int> beat_positions;
  /// Sections in time order, not overlapping.
  std::vector<Segment> segments;
  /// The JSON file this came from (absolute path), for messages.
  std::string origin;
};

}  // namespace crowdmesh::structure
