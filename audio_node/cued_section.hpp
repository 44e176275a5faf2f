#pragma once
// What a deck plays of a song's structure, for NextSection. Private to audio_node.
#include <array>
#include <cstdint>
#include <optional>

#include "common/deck.hpp"
#include "structure/struct_track.hpp"

namespace crowdmesh::node {

/// The section a deck plays since CueSection (moved on by NextSection).
struct CuedSection {
  structure::StructTrack track;  ///< the struct JSON it was cued from
  int section = 0;               ///< 1-based after the intro
  bool loop = false;             ///< loops each section, or plays on past its end
  std::uint32_t buffer_id = 0;   ///< the deck's buffer that holds the track
  double begin_seconds = 0;      ///< the section's cues, file seconds
  double end_seconds = 0;
};

/// One CuedSection per deck (none until CueSection; a load of another file
/// into that buffer does not clear it: NextSection then names the buffer's
/// state). Owned by the command router.
using CuedSections = std::array<std::optional<CuedSection>, kDeckCount>;

}  // namespace crowdmesh::node
