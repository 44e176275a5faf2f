#pragma once
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "structure/struct_track.hpp"

namespace crowdmesh::structure {

/// One tempo point of a Rekordbox beat grid (`TEMPO` element): from `start`
/// seconds on, `bpm`, `meter` ("4/4"), and which beat of the bar `start` is
/// (`beat`, 1 = downbeat). Attribute names Inizio, Bpm, Metro, Battito.
struct RekordboxTempo {
  double start = 0;
  double bpm = 0;
  std::string meter = "4/4";
  int beat = 1;
};

/// A cue point (`POSITION_MARK`): Name, Type 0 (cue), Start (s), Num (−1 =
/// memory cue, 0..7 = hot cue A..H).
struct RekordboxCue {
  std::string name;
  double start = 0;
  int num = -1;
};

/// One `COLLECTION/TRACK` of a Rekordbox (or Mixxx/Engine DJ) XML export.
struct RekordboxTrack {
  int track_id = 0;
  std::string name;
  /// File path, decoded from the Location URI ("file://localhost/Users/a%20b.mp3" → "/Users/a b.mp3").
  std::string path;
  double average_bpm = 0;
  std::string tonality;
  /// Length, whole seconds (TotalTime).
  int total_time = 0;
  std::vector<RekordboxTempo> tempos;
  std::vector<RekordboxCue> cues;
};

/// Reads the tracks of a Rekordbox XML collection (DJ_PLAYLISTS/COLLECTION/
/// TRACK with TEMPO and POSITION_MARK children; names as Pioneer documents
/// them). Errors: errc::file_not_found (absolute path), errc::unreadable_file
/// (not XML: the parser's reason and byte offset; no DJ_PLAYLISTS root),
/// errc::value_out_of_range (an attribute that is not a number, named with its
/// track). Thread-safe.
caf::expected<std::vector<RekordboxTrack>> read_rekordbox_xml(const std::string& path);

/// Parses XML text as read_rekordbox_xml() does; `origin` prefixes errors.
caf::expected<std::vector<RekordboxTrack>> parse_rekordbox_xml(const std::string& text, const std::string& origin);

/// Applies a collection to struct tracks as the original struct_loader did:
/// the BPM of the track whose Location is the struct's path (compared
/// case-insensitively) when above 0, and the Tonality of the first track
/// whose Name appears in the struct's path. Returns how many tracks changed.
/// Pure.
std::size_t apply_rekordbox(std::vector<StructTrack>& tracks, const std::vector<RekordboxTrack>& collection);

/// A file path as a Rekordbox Location URI: "file://localhost" + the path
/// with every byte outside RFC 3986's unreserved set and '/' percent-encoded.
std::string location_uri(const std::string& path);

/// The inverse of location_uri() (also accepts "file:///" and plain paths).
std::string path_from_location(const std::string& location);

/// A Rekordbox XML document (DJ_PLAYLISTS Version 1.0.0, PRODUCT Crowdmesh,
/// COLLECTION Entries = N) holding `tracks`, their beat grids and cues, that
/// Rekordbox, Mixxx and other DJ software import. Pure.
std::string write_rekordbox_xml(const std::vector<RekordboxTrack>& tracks);

}  // namespace crowdmesh::structure
