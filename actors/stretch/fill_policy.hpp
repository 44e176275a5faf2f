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
  /// At or above: relaxed (every 100 ms, big batches). A FIFO filled to the
  /// top at a tick that plays 100 ms before the next one stays above the urgent
  /// mark when it holds ≥ 0.1 s / (1 − urgent_below) ≈ 0.143 s: the default
  /// 48 000-frame FIFO does up to 192 kHz. (It was 40 ms: 25 wake-ups of the
  /// CAF pool a second while playing, for nothing.) Half, not three
  /// quarters (until 2026-12): a full default FIFO (65 536 frames) is then
  /// refilled every 0.74 s at 44.1 kHz, 1.3 times a second instead of 2.7
  /// (each refill wakes CAF's timer thread twice and the stretch actor once),
  /// and still holds 0.74 s when its refill is due, far beyond the delay a
  /// normal-priority hog causes (docs/BENCHMARKS.md, the stress runs).
  double relaxed_from = 0.5;

  /// The mode for a reserve of `available` frames in a FIFO of `capacity`.
  FillMode mode_for(std::size_t available, std::size_t capacity) const;
  /// How long the actor waits before its next refill in that mode.
  static std::chrono::milliseconds interval(FillMode mode);

  /// Longest wait of relaxed_interval(), ms.
  static constexpr std::chrono::milliseconds kMaxRelaxedInterval{1000};
  /// The wait before the next refill when the emptiest FIFO holds `available`
  /// of `capacity` frames and is played at `rate_hz` frames a second: the
  /// time it takes to fall to the relaxed_from mark (so the FIFO is refilled
  /// before it leaves the relaxed mode, as with a tick every
  /// interval(FillMode::relaxed)), at least interval(FillMode::relaxed), at
  /// most kMaxRelaxedInterval. A full default FIFO (65 536 frames after
  /// rounding) at 44.1 kHz waits 743 ms: 1.3 refills a second instead of 10,
  /// each one as cheap per frame. Pure.
  std::chrono::milliseconds relaxed_interval(std::size_t available, std::size_t capacity, int rate_hz) const;
};

}  // namespace crowdmesh::stretch
