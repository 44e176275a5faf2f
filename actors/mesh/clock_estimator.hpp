#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "caf/expected.hpp"
#include "common/mesh_time.hpp"

namespace crowdmesh::mesh {

/// Tuning of ClockEstimator. Times in ns of this node's local clock.
struct ClockEstimatorConfig {
  /// Probes kept in the sliding window (the oldest leaves first): 60 s of the
  /// gateway's two fitted probes per second.
  std::size_t max_probes = 128;
  /// Probes older than this (t4 before the newest t4 − window_ns) leave the
  /// window, except the newest min_fit_probes (a silent reference does not
  /// empty it).
  std::int64_t window_ns = 60'000'000'000;
  /// Fraction of the window, lowest round trip first, that the fit uses (at
  /// least min(window size, min_fit_probes)).
  double keep_fraction = 0.5;
  /// Probes the fit needs before the estimate locks.
  std::size_t min_fit_probes = 8;
  /// Span (first to last midpoint) of the fitted probes needed to lock.
  std::int64_t min_lock_span_ns = 2'000'000'000;
  /// Outlier gate: a probe whose round trip exceeds min round trip in the
  /// window × outlier_factor + outlier_margin_ns is never fitted (counted).
  double outlier_factor = 3.0;
  std::int64_t outlier_margin_ns = 1'000'000;
  /// A probe whose offset misses the fit by more than this plus half its round
  /// trip is a suspected jump of the reference clock; two consecutive ones that
  /// agree re-lock (window cleared, counted in relocks).
  std::int64_t relock_threshold_ns = 50'000'000;
  /// The mesh time function steps (counted) when it is further than this from
  /// the fitted line; closer, it slews.
  std::int64_t step_threshold_ns = 1'000'000;
  /// A phase error is slewed out over this period (rate correction = error /
  /// slew_period_ns, bounded by max_slew_ppm).
  std::int64_t slew_period_ns = 4'000'000'000;
  /// Largest rate correction of a slew, ppm.
  double max_slew_ppm = 500.0;
  /// Fitted skew is clamped to ±max_skew_ppm (crystals are within ±100 ppm;
  /// the test injection within ±1000 ppm per node).
  double max_skew_ppm = 2000.0;
  /// Probe period while locking: before the lock and during the first
  /// fast_phase_ns after the first probe of a (re)lock.
  std::int64_t fast_probe_interval_ns = 100'000'000;
  std::int64_t fast_phase_ns = 10'000'000'000;
  /// Probe period once locked and past the fast phase (GatewayConfig::clock_probe_interval).
  std::int64_t slow_probe_interval_ns = 1'000'000'000;
};

/// One NTP-style probe exchange as the estimator saw it, ns.
struct ClockSample {
  /// ((t2 − t1) + (t3 − t4)) / 2: reference (mesh) clock minus local clock at
  /// the exchange's midpoint.
  std::int64_t offset_ns = 0;
  /// (t4 − t1) − (t3 − t2): network round trip without the reference's hold time.
  std::int64_t delay_ns = 0;
  /// Over the outlier gate: kept in the window (it may become the new normal)
  /// but not fitted while the gate excludes it.
  bool outlier = false;
  /// Inconsistent with the fit by more than relock_threshold_ns: held back as
  /// a suspected reference jump, not in the window.
  bool jump_suspect = false;
  /// This probe confirmed a jump: the window was cleared and the estimator re-locks.
  bool relocked = false;
};

/// What the estimator knows, for ClockStats.
struct ClockEstimatorStats {
  /// Mesh minus local time at the local time asked for, from the published
  /// function (0 before the first lock: mesh = local), ns.
  std::int64_t offset_ns = 0;
  /// Fitted skew b of offset(t) = a + b·(t − t_ref), ppm (mesh ns per local ns − 1, × 1e6).
  double skew_ppm = 0.0;
  /// Rate correction of the slew in progress, ppm (published rate − 1 − skew).
  double slew_ppm = 0.0;
  /// Locked: two standard errors of the fitted offset at that time (WLS
  /// prediction variance s0²·(1/Σw + (t − t̄)²/Σw(t − t̄)²), s0² = weighted
  /// residual sum of squares / (n − 2)) + |fitted line − published function|
  /// (the phase still being slewed out). Not locked: |best probe's offset −
  /// published function| + its round trip / 2. −1 before any probe. Path
  /// asymmetry is not observable and not included (it is at most
  /// min_rtt_ns / 2). ns.
  std::int64_t estimated_error_ns = -1;
  std::int64_t last_rtt_ns = 0;  ///< round trip of the last valid probe
  std::int64_t min_rtt_ns = 0;   ///< smallest round trip in the window
  std::size_t probes_used = 0;   ///< probes in the current fit
  std::size_t probes_in_window = 0;
  std::uint64_t probes_accepted = 0;  ///< valid probes since construction
  std::uint64_t probes_rejected = 0;  ///< probes over the outlier gate or held as jump suspects
  std::uint64_t probes_invalid = 0;   ///< inconsistent or duplicate timestamps (add() errors)
  std::uint64_t steps = 0;            ///< steps of the function past step_threshold_ns (not the first alignment)
  std::uint64_t relocks = 0;          ///< confirmed reference jumps + reset() calls
  bool locked = false;                ///< ≥ min_fit_probes fitted over ≥ min_lock_span_ns
};

/// Estimates the mesh clock (the reference node's clock) against this node's
/// local clock — offset AND skew — from NTP-style probe exchanges, and turns
/// the estimate into a continuous mesh time function (MeshTimeSegment).
///
/// Method:
///  - Sliding window of the last max_probes probes / window_ns. Like NTP's
///    clock filter (RFC 5905 §10) and RADclock (Veitch, Babu, Pásztor, "Robust
///    synchronization of absolute and difference clocks over networks",
///    IEEE/ACM Trans. Networking 17(2), 2009), only low-delay probes are
///    trusted: the keep_fraction with the smallest round trip, minus those
///    over the outlier gate (min delay × outlier_factor + outlier_margin_ns).
///    A probe's offset error is at most half its round trip, so low delay
///    means low error.
///  - offset(t) = a + b·(t − t_ref) fitted by weighted least squares over the
///    kept probes at their local midpoints, weights exp(−(E/E*)²) with E =
///    delay − min delay and E* = max(10 µs, median E of the kept probes / 2)
///    (RADclock's quality weights). b is the skew.
///    WLS rather than a PLL/FLL (RFC 5905 §11): it converges within the first
///    burst (a PLL needs tens of time constants), has no loop gains to tune,
///    and is exact for a constant skew; the window tracks slow wander.
///  - The published function starts at identity (mesh = local). At the first
///    lock it is aligned with the fit (not counted as a step). Afterwards each
///    segment_at() starts a new piece at the current value: if the fitted line
///    is more than step_threshold_ns away the function steps (counted),
///    otherwise its rate is 1 + b + error / slew_period_ns, the correction
///    bounded by max_slew_ppm, so the function is continuous (called every
///    probe tick, the phase error decays with time constant slew_period_ns).
///  - Locked once min_fit_probes are fitted spanning min_lock_span_ns (8
///    probes over 2 s: 2–3 s at 10 Hz); it stays locked until a re-lock.
///  - Two consecutive probes that miss the fit by > relock_threshold_ns + half
///    their round trip and agree with each other mean the reference clock
///    jumped (its host rebooted): the window is cleared and the estimator
///    re-locks (counted). While re-locking the function runs on at the last
///    fitted rate; the alignment at the new lock is a step (counted) when it
///    is past step_threshold_ns.
///
/// Pure: no clock reads, no I/O; every time is an argument. Not thread-safe:
/// one owner (the gateway thread), which publishes segment_at() into a
/// MeshTimeSource for the other threads.
class ClockEstimator {
 public:
  explicit ClockEstimator(ClockEstimatorConfig cfg = {});

  /// The offset and delay of one exchange (formula only, nothing stored).
  /// t1/t4: local send/receive; t2/t3: reference receive/send, ns.
  static ClockSample compute(std::int64_t t1_ns, std::int64_t t2_ns, std::int64_t t3_ns, std::int64_t t4_ns) noexcept;

  /// Adds one exchange and refits. Errors (nothing stored, counted in
  /// probes_invalid): errc::value_out_of_range when the timestamps are
  /// inconsistent (t4 < t1, t3 < t2 or a negative delay) or the probe is
  /// already in the window (same t1), naming the values.
  caf::expected<ClockSample> add(std::int64_t t1_ns, std::int64_t t2_ns, std::int64_t t3_ns, std::int64_t t4_ns);

  /// Clears the window and re-locks (counted in relocks), e.g. when the
  /// reference node changed. The published function stays continuous.
  void reset() noexcept;

  /// Advances the mesh time function to local time `local_now_ns` and returns
  /// the piece to publish (see the class comment for the step/slew policy).
  /// Identity before the first lock. Call after every add() and at least every
  /// slew_period_ns / 4 so the slew converges without overshoot. A time before
  /// the current piece's anchor returns the current piece unchanged.
  MeshTimeSegment segment_at(std::int64_t local_now_ns);

  /// The current piece (what segment_at() last returned).
  const MeshTimeSegment& segment() const noexcept { return segment_; }

  /// The fitted mesh − local offset at local time `local_ns` (0 without a fit), ns.
  std::int64_t fitted_offset_at(std::int64_t local_ns) const noexcept;

  /// Stats at local time `local_now_ns`.
  ClockEstimatorStats stats(std::int64_t local_now_ns) const noexcept;

  /// Locked: enough low-delay probes over enough time (see ClockEstimatorStats::locked).
  bool locked() const noexcept { return locked_; }

  /// When to send the next probe, ns from now: fast_probe_interval_ns while
  /// not locked or within fast_phase_ns of the first probe of this lock,
  /// slow_probe_interval_ns after.
  std::int64_t probe_interval_ns(std::int64_t local_now_ns) const noexcept;

  /// The probe schedule policy (pure): `locking_for_ns` = time since the first
  /// probe of the current (re)lock, < 0 if none yet.
  static std::int64_t next_probe_interval_ns(bool locked, std::int64_t locking_for_ns,
                                             const ClockEstimatorConfig& cfg) noexcept;

  const ClockEstimatorConfig& config() const noexcept { return cfg_; }

 private:
  struct Probe {
    std::int64_t t1_ns = 0;
    std::int64_t t4_ns = 0;
    std::int64_t mid_ns = 0;  // local midpoint (t1 + t4) / 2
    std::int64_t offset_ns = 0;
    std::int64_t delay_ns = 0;
  };
  struct Fit {
    std::int64_t anchor_local_ns = 0;
    std::int64_t anchor_offset_ns = 0;
    double skew = 0.0;           // b, fraction
    double unit_variance = 0.0;  // s0², ns²
    double sum_w = 1.0;
    double sxx = 0.0;  // Σ w (x − x̄)², ns²
    std::size_t used = 0;
  };

  std::optional<std::int64_t> predicted_offset(std::int64_t mid_ns, std::int64_t& bound_extra_ns) const;
  void prune(std::int64_t newest_t4_ns);
  void refit();
  void clear_window() noexcept;
  const Probe* best_probe() const noexcept;

  ClockEstimatorConfig cfg_;
  std::deque<Probe> window_;
  std::optional<Probe> suspect_;  // first probe of a suspected jump
  std::optional<Fit> fit_;
  double skew_ = 0.0;  // last fitted skew, kept across re-locks (the oscillators did not change)
  bool locked_ = false;
  bool aligned_ = false;   // the function was aligned with a fit once
  bool free_run_ = false;  // re-locking: re-anchor at the last fitted rate once
  std::int64_t locking_since_ns_ = -1;
  MeshTimeSegment segment_{};
  std::int64_t last_rtt_ns_ = 0;
  std::uint64_t accepted_ = 0, rejected_ = 0, invalid_ = 0, steps_ = 0, relocks_ = 0;
};

}  // namespace crowdmesh::mesh
