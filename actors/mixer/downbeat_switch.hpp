#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace crowdmesh::mixer {

/// Shortest time ahead, in mesh seconds, a section switch is scheduled: the
/// next section's reader is opened and filled meanwhile (on a Raspberry Pi
/// that takes up to a few hundred ms), and a command sent to every room must
/// reach them all before it.
inline constexpr double kSectionSwitchLeadSeconds = 0.5;

/// A part of a file a buffer plays, seconds from the start of the file:
/// [begin_seconds, end_seconds), looping there or going on to the file's end
/// (loop false). A song section on a deck.
struct PlayRegion {
  double begin_seconds = 0;
  double end_seconds = 0;
  bool loop = false;
};

/// Where and when a playing buffer reaches the downbeat it switches on.
struct DownbeatSwitch {
  /// The downbeat, file seconds.
  double downbeat_seconds = 0;
  /// File seconds the buffer plays until it gets there (across a loop's wrap).
  double file_seconds_ahead = 0;
  /// Mesh time that downbeat reaches the DAC, ns.
  std::int64_t at_ns = 0;
};

/// The first downbeat a buffer reaches at least `lead_seconds` of mesh time
/// from now, and when it plays. The buffer plays `region`; the frame at file
/// position `position_seconds` reaches the DAC at mesh time `pts_ns`; file
/// seconds advance `tempo_ratio` (mesh BPM / native BPM) per mesh second, so
/// the beat grid scales with the stretch. Candidates are `downbeats` (file
/// seconds, ascending) inside the region and, for a looping region, its end
/// (where it wraps; a section's end is the next section's begin); a loop
/// counts the laps it plays before it. nullopt when no downbeat is ahead (the
/// buffer plays on to the file's end without one), or tempo_ratio is not > 0.
/// Assumes the tempo holds until then. Pure.
std::optional<DownbeatSwitch> next_downbeat_switch(const std::vector<double>& downbeats, const PlayRegion& region,
                                                   double position_seconds, double tempo_ratio, std::int64_t pts_ns,
                                                   double lead_seconds);

}  // namespace crowdmesh::mixer
