#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace crowdmesh::dsp {

/// The filter shapes of the RBJ Audio EQ Cookbook (Robert Bristow-Johnson) that Biquad designs.
enum class BiquadType { lowpass, highpass, low_shelf, high_shelf, peaking };

/// "lowpass", "highpass", "low_shelf", "high_shelf", "peaking".
const char* to_string(BiquadType type);

/// Normalised biquad coefficients (a0 = 1) of
/// y[n] = b0·x[n] + b1·x[n−1] + b2·x[n−2] − a1·y[n−1] − a2·y[n−2].
struct BiquadCoefficients {
  double b0 = 1.0;
  double b1 = 0.0;
  double b2 = 0.0;
  double a1 = 0.0;
  double a2 = 0.0;
};

/// Butterworth Q (1/√2): maximally flat lowpass/highpass.
inline constexpr double kButterworthQ = 0.70710678118654752440;

/// Checks the parameters of design_biquad() without throwing: an empty string when they are valid,
/// else a sentence naming the parameter, its value and its allowed range:
/// sample_rate_hz > 0 (Hz, finite); 0 < freq_hz < sample_rate_hz / 2 (Hz);
/// q_or_slope > 0 (Q for lowpass/highpass/peaking; shelf slope S for the shelves, small enough that
/// the cookbook's square root stays real, i.e. S <= 1 always works); |gain_db| <= 48 dB
/// (ignored by lowpass/highpass).
std::string check_biquad(BiquadType type, double sample_rate_hz, double freq_hz, double q_or_slope, double gain_db);

/// RBJ Audio EQ Cookbook coefficients (bilinear transform with the cookbook's frequency pre-warping,
/// w0 = 2π·freq_hz/sample_rate_hz):
///  - lowpass/highpass: second order, alpha = sin(w0)/(2Q); −3 dB at freq_hz for Q = 1/√2.
///  - peaking: gain_db at freq_hz (A = 10^(gain_db/40), alpha = sin(w0)/(2Q)), 0 dB far away.
///  - low_shelf/high_shelf: gain_db below/above freq_hz (the shelf midpoint, gain_db/2 there),
///    alpha = sin(w0)/2 · √((A + 1/A)(1/S − 1) + 2) with shelf slope S (S = 1: steepest
///    monotonic shelf).
/// Throws std::invalid_argument with the check_biquad() sentence when the parameters are invalid.
BiquadCoefficients design_biquad(BiquadType type, double sample_rate_hz, double freq_hz, double q_or_slope,
                                 double gain_db = 0.0);

/// Magnitude of the coefficients' transfer function at freq_hz (Hz) for sample_rate_hz, in dB
/// (evaluated on the unit circle at z = e^{j·2π·freq_hz/sample_rate_hz}).
double biquad_response_db(const BiquadCoefficients& c, double sample_rate_hz, double freq_hz);

/// One second-order IIR section applied to every channel of interleaved audio, with its own state per
/// channel. Transposed direct form II in double precision (coefficients and state), so low corner
/// frequencies (e.g. an 80 Hz highpass at 48 kHz) keep their accuracy. A tiny DC offset
/// (kAntiDenormal, about −360 dBFS) is added at the input so the state never becomes subnormal.
///
/// Thread contract: one owner thread. process(), reset() and set_coefficients() are real-time safe
/// (noexcept, no allocation, no locks); construction allocates the per-channel state.
class Biquad {
 public:
  /// DC offset added at the input against subnormal state (linear, full scale = 1).
  static constexpr double kAntiDenormal = 1e-18;

  /// Designs the filter with design_biquad() (see there for units and ranges) for `channels`
  /// interleaved channels (>= 1). Throws std::invalid_argument when a parameter is invalid.
  Biquad(BiquadType type, double sample_rate_hz, int channels, double freq_hz, double q_or_slope = kButterworthQ,
         double gain_db = 0.0);
  /// A filter with ready-made coefficients for `channels` (>= 1) interleaved channels.
  /// Throws std::invalid_argument when channels < 1.
  Biquad(const BiquadCoefficients& coefficients, int channels);

  /// Filters interleaved frames × channels floats in place. Non-finite input is not sanitised.
  /// Real-time safe.
  void process(float* interleaved, std::size_t frames) noexcept;
  /// Clears the state of every channel. Real-time safe.
  void reset() noexcept;
  /// Replaces the coefficients and keeps the state (a change between blocks; large jumps may click).
  /// Real-time safe.
  void set_coefficients(const BiquadCoefficients& coefficients) noexcept { c_ = coefficients; }

  /// The coefficients in use.
  const BiquadCoefficients& coefficients() const noexcept { return c_; }
  /// Samples per frame given at construction.
  int channels() const noexcept { return channels_; }

 private:
  BiquadCoefficients c_;
  int channels_;
  std::vector<double> state_;  // z1, z2 per channel
};

}  // namespace crowdmesh::dsp
