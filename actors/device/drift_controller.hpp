#pragma once

namespace crowdmesh::device {

/// PI controller that steers the playout stage's resampling rate from the
/// playout error e = (mesh time at which a frame reaches the DAC) − (its PTS).
///
/// Sign convention: e > 0 means frames play LATE; the output u (ppm) is then
/// positive and the playout stage consumes mesh frames faster: it takes
/// 1 + u·1e-6 mesh frames per card frame. A card running FAST by p ppm (against
/// the mesh clock) therefore settles at u = 1e6·(1/(1 + p·1e-6) − 1) ≈ −p.
///
/// Why PI and not a DLL: the plant is a pure integrator (de/dt = −(u + p), e in
/// s, u and p as fractions), so a PI on e gives exactly the 2nd-order type-2 loop
/// of a DLL (zero steady-state error for a constant rate offset) while exposing
/// the rate correction u itself, which is what the resampler needs and what the
/// output/slew limits and the anti-windup act on. A DLL that filters time would
/// have to be differentiated again to get a ratio.
///
/// Gains (standard 2nd-order loop; Gardner, "Phaselock Techniques", 3rd ed.,
/// ch. 2; the same b = 2ζω, c = ω² as Fons Adriaensen, "Using a DLL to filter
/// time", 2005, with ω = 2π·bandwidth_hz): closing u = Kp·e + Ki·∫e around the
/// integrator gives s² + Kp·s + Ki, so with ωn = 2π·bandwidth_hz
///   Kp = 2ζωn  [1/s],   Ki = ωn²  [1/s²];
/// in the units used here (e in ns, u in ppm) both carry a factor 1e-3:
///   kp = 2ζωn·1e-3 [ppm/ns],   ki = ωn²·1e-3 [ppm/(ns·s)].
/// Defaults (0.1 Hz, ζ = 0.707): kp = 8.9e-4 ppm/ns, ki = 3.9e-4 ppm/(ns·s);
/// settling (ζωn = 0.44 /s) takes ≈ 10 s. 0.1 Hz (the top of the usual 0.05–0.1)
/// follows the mesh clock's slewing and thermal drift of the card closely, and
/// with ~190 reports/s still passes little report jitter: ±20 µs of jitter
/// leaves ≈ 2 µs (p99) of true error in the playout stage's simulation.
///
/// The proportional path and the lock detector use e low-passed at
/// error_filter_hz (a pole ≥ 10× above the loop bandwidth costs < 10° of phase
/// margin and removes most DAC-timestamp jitter from the rate); the integrator
/// takes the raw e (no bias). The output is clamped to ±max_correction_ppm with
/// conditional integration (anti-windup: the integrator stops while the output
/// is saturated and e pushes it further) and slew-limited: acquire_slew before
/// lock, slew after lock.
///
/// Thread contract: not thread-safe; one thread (the playout thread) calls
/// everything. No allocation, no clocks, never throws.
class DriftController {
 public:
  /// Tuning. Units in the names; defaults suit a 48 kHz card fed per period.
  struct Settings {
    /// Loop natural frequency ωn/2π, Hz (Adriaensen's "bandwidth"). > 0.
    double bandwidth_hz = 0.1;
    /// Damping ζ (0.707 = Adriaensen's b = √2·ω). > 0.
    double damping = 0.707;
    /// Cut-off of the one-pole low-pass on e for the proportional path and the
    /// lock detector, Hz; ≤ 0 turns it off.
    double error_filter_hz = 1.0;
    /// Output limit, ± ppm.
    double max_correction_ppm = 300.0;
    /// Slew limit after lock, ppm per second of observed time.
    double slew_ppm_per_s = 20.0;
    /// Slew limit before lock (acquisition), ppm per second.
    double acquire_slew_ppm_per_s = 500.0;
    /// Locked once |filtered e| stays below this for lock_hold_s, ns.
    double lock_threshold_ns = 100'000.0;
    /// See lock_threshold_ns, s.
    double lock_hold_s = 5.0;
    /// Unlocked when |filtered e| exceeds this, ns (hysteresis above the lock threshold).
    double unlock_threshold_ns = 500'000.0;
  };

  /// A controller at rest (output 0 ppm, unlocked) with the default Settings.
  DriftController() noexcept;
  /// A controller at rest (output 0 ppm, unlocked) with `settings`; values that
  /// are not finite or not positive where required fall back to the defaults.
  explicit DriftController(const Settings& settings) noexcept;

  /// Feeds one error sample: `error_ns` = DAC mesh time − PTS of the observed
  /// frame (ns, > 0 = late); `dt_s` = time since the previous sample (s).
  /// Returns the new correction, ppm (see the class comment for the sign). The
  /// first sample after construction, reset() or rebase() starts the error
  /// filter at `error_ns`; with dt_s ≤ 0 or not finite nothing else happens (the
  /// output does not move). A non-finite error is ignored.
  double update(double error_ns, double dt_s) noexcept;

  /// Back to rest: output and integrator 0, filter empty, unlocked.
  void reset() noexcept;

  /// The error stepped (the playout stage realigned): the error filter restarts
  /// at the next sample (no smoothing across the step) and lock drops; the
  /// integrator and output stay (the rate estimate is still right).
  void rebase() noexcept;

  /// Sets output and integrator to `ppm` (clamped to ±max_correction_ppm), e.g. a
  /// known card offset or a fixed correction for tests. Keeps lock state.
  void preset(double ppm) noexcept;

  /// Current correction, ppm (> 0 = consume mesh frames faster).
  double correction_ppm() const noexcept { return output_ppm_; }
  /// Integral part of the correction, ppm (the rate estimate).
  double integral_ppm() const noexcept { return integral_ppm_; }
  /// Low-passed error, ns (0 before the first sample).
  double filtered_error_ns() const noexcept { return filtered_ns_; }
  /// True once |filtered e| < lock_threshold_ns for lock_hold_s, until it
  /// exceeds unlock_threshold_ns or rebase()/reset().
  bool locked() const noexcept { return locked_; }
  /// True while the output is at ±max_correction_ppm (within 0.1 %).
  bool saturated() const noexcept;
  /// Proportional gain, ppm per ns of error (2ζωn·1e-3).
  double kp() const noexcept { return kp_; }
  /// Integral gain, ppm per ns·s of error (ωn²·1e-3).
  double ki() const noexcept { return ki_; }
  /// The settings in use (after sanitising).
  const Settings& settings() const noexcept { return settings_; }

 private:
  Settings settings_;
  double kp_ = 0.0;
  double ki_ = 0.0;
  double output_ppm_ = 0.0;
  double integral_ppm_ = 0.0;
  double filtered_ns_ = 0.0;
  bool has_sample_ = false;
  bool locked_ = false;
  double lock_hold_elapsed_s_ = 0.0;
};

}  // namespace crowdmesh::device
