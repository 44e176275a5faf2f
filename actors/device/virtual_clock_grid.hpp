#pragma once
#include <cstdint>

namespace crowdmesh::device {

/// The schedule of a virtual card at real pace (VirtualBackend): when each
/// buffer is computed and when it reaches the DAC, on the host's raw clock, ns.
///
/// The card has a hardware buffer of `buffer_periods` (B ≥ 2) periods.
/// Buffer n is due at deadline(n) = anchor + n × period and reaches the DAC
/// B − 1 periods later. When the clock thread wakes for a buffer at `now`:
///  - on time (now < its deadline + one period): nothing to say;
///  - a period or more late but before the buffer's DAC time: a late wake-up
///    that the card's buffer absorbs. The grid stays and the clock catches up
///    (the next deadlines lie in the past); counted once per late wake-up;
///  - at or past the buffer's DAC time: the card ran dry, an xrun. The grid
///    is re-anchored at `now` (no burst of missed buffers).
/// While catching up, a buffer may wait for the producer until one period
/// before its DAC time (may_wait()).
/// With B = 2 this is a double-buffered card: a wake-up a period late is an xrun.
///
/// Pure: no clock reads; every time is an argument. Not thread-safe (one owner).
class VirtualClockGrid {
 public:
  /// What wake() found.
  struct Step {
    bool xrun = false;         ///< the buffer would reach the DAC late: re-anchored at now
    bool late_wakeup = false;  ///< a late wake-up began, absorbed by the card's buffer
    /// xrun only: when the abandoned grid's buffer would have played (raw ns),
    /// for a truth log to close the old segment exactly.
    std::int64_t abandoned_dac_ns = 0;
  };

  /// `period_ns` > 0: one period of the card's own crystal in host raw ns.
  /// `buffer_periods` is clamped to ≥ 2. The first deadline is `start_ns`.
  VirtualClockGrid(double period_ns, int buffer_periods, std::int64_t start_ns) noexcept;

  /// The clock thread woke at `now` for the current buffer (before waiting
  /// for the producer or computing it). Re-anchors on an xrun.
  Step wake(std::int64_t now) noexcept;
  /// Raw ns at which the current buffer is due.
  std::int64_t deadline() const noexcept { return at(n_); }
  /// Raw ns at which the current buffer's first frame reaches the DAC.
  std::int64_t dac_time() const noexcept { return at(n_) + lead_ns_; }
  /// True when, at `now`, the clock is a period or more behind and the
  /// current buffer can still wait for the producer: now < its DAC time − one period.
  bool may_wait(std::int64_t now) const noexcept;
  /// The current buffer was computed: the next one becomes current.
  void advance() noexcept { ++n_; }
  /// True while behind the grid after an absorbed late wake-up.
  bool catching_up() const noexcept { return catching_up_; }

 private:
  std::int64_t at(std::uint64_t n) const noexcept;

  double period_ns_;
  std::int64_t period_int_ns_;
  std::int64_t lead_ns_;  // (B − 1) periods
  std::int64_t anchor_ns_;
  std::uint64_t n_ = 0;
  bool catching_up_ = false;
};

}  // namespace crowdmesh::device
