#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace crowdmesh::stretch {

/// How hard the stretch actor works to keep deck FIFOs filled, from the
/// reserve (frames ready ahead of the play head) of the emptiest FIFO — the
/// original server's emergency/urgent/normal/relaxed buffering modes.
enum class FillMode { emergency, urgent, normal, relaxed };

/// "emergency", "urgent", "normal", "relaxed".
const char* to_string(FillMode mode);

/// Low-water marks as fractions of a FIFO's capacity.
struct FillPolicy {
  double emergency_below = 0.10;  ///< below: emergency (refill every 2 ms)
  double urgent_below = 0.30;     ///< below: urgent (every 5 ms, small batches)
  double relaxed_from = 0.75;     ///< at or above: relaxed (every 40 ms, big batches)

  /// The mode for a reserve of `available` frames in a FIFO of `capacity`.
  FillMode mode_for(std::size_t available, std::size_t capacity) const;
  /// How long the actor waits before its next refill in that mode.
  static std::chrono::milliseconds interval(FillMode mode);
};

}  // namespace crowdmesh::stretch
