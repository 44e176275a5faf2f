#pragma once
#include <array>
#include <cstddef>
#include <vector>

#include "dsp/biquad.hpp"

namespace crowdmesh::dsp {

/// The one-knob filter of a DJ mixer channel: amount −1 … 0 … +1 sweeps a
/// low-pass down from the open top to kLowpassMinHz (amount < 0), is off at 0,
/// and sweeps a high-pass up from kHighpassOpenHz to kHighpassMaxHz (amount > 0).
///
/// Shape: a second-order Butterworth low-pass and high-pass in cascade (RBJ
/// Audio EQ Cookbook biquads, see biquad.hpp); the side not in use sits at its
/// open end. The cutoff moves on a logarithmic scale with the amount, as on a
/// mixer's filter knob (the ends, 100 Hz and 10 kHz, are Crowdmesh's choice):
///   low-pass  fc(a) = open_top · (kLowpassMinHz / open_top)^(−a),  a in [−1, 0]
///   high-pass fc(a) = kHighpassOpenHz · (kHighpassMaxHz / kHighpassOpenHz)^a,  a in [0, 1]
/// with open_top = min(kLowpassOpenHz, 0.45 · sample rate).
///
/// Click-free: the amount moves toward its target with a one-pole smoother
/// (kSmoothingMs), coefficients change every kControlFrames frames, and a
/// wet/dry cross-fade (full wet from |amount| >= kWetRampAmount) hides the
/// filters' entry and exit. At amount 0, settled, process() leaves the audio
/// untouched (bit-exact) and clears the filter state.
///
/// Coefficients come from a table built at construction, so process() does
/// no trigonometry. Thread contract: one owner thread (the audio thread) calls
/// set_amount(), process() and reset(); all are real-time safe (noexcept, no
/// allocation, no locks). Construction allocates.
class DjFilter {
 public:
  /// Low-pass cutoff at amount −1, Hz.
  static constexpr double kLowpassMinHz = 100.0;
  /// Low-pass cutoff at amount 0 (open), Hz; capped at 0.45 · sample rate.
  static constexpr double kLowpassOpenHz = 20000.0;
  /// High-pass cutoff at amount 0 (open), Hz.
  static constexpr double kHighpassOpenHz = 20.0;
  /// High-pass cutoff at amount +1, Hz.
  static constexpr double kHighpassMaxHz = 10000.0;
  /// Time constant of the amount's smoothing, ms.
  static constexpr double kSmoothingMs = 20.0;
  /// Frames between coefficient updates.
  static constexpr std::size_t kControlFrames = 32;
  /// |amount| from which the output is fully filtered (below: cross-faded with the dry signal).
  static constexpr double kWetRampAmount = 0.05;
  /// Entries of each half of the coefficient table (amount steps of 1/(kTableSteps − 1)).
  static constexpr std::size_t kTableSteps = 513;

  /// sample_rate_hz in 8000..384000 (Hz); channels >= 1 (interleaved samples per
  /// frame). Starts off (amount 0). Throws std::invalid_argument otherwise.
  DjFilter(double sample_rate_hz, int channels);

  /// Sets the target amount. Returns false and changes nothing when it is NaN
  /// or outside −1..+1. Real-time safe.
  bool set_amount(double amount) noexcept;
  /// The target amount as last set.
  double amount() const noexcept { return target_; }
  /// True when the target is 0 and the smoothing has settled: process() is a no-op.
  bool is_off() const noexcept { return target_ == 0.0 && current_ == 0.0; }
  /// Filters interleaved frames × channels floats in place. Real-time safe.
  void process(float* interleaved, std::size_t frames) noexcept;
  /// Clears the filter state and jumps to the target amount. Real-time safe.
  void reset() noexcept;

  /// The low-pass and high-pass cutoffs (Hz) at `amount` (−1..+1) for this
  /// filter's sample rate, as used by process().
  double lowpass_hz(double amount) const noexcept;
  double highpass_hz(double amount) const noexcept;

 private:
  const BiquadCoefficients& lowpass_at(double amount) const noexcept;
  const BiquadCoefficients& highpass_at(double amount) const noexcept;

  double sample_rate_hz_;
  int channels_;
  double open_top_hz_;
  double target_ = 0.0;
  double current_ = 0.0;
  double wet_ = 0.0;
  std::vector<BiquadCoefficients> lowpass_table_, highpass_table_;
  Biquad lowpass_, highpass_;
  std::vector<float> dry_;  // kControlFrames × channels
};

}  // namespace crowdmesh::dsp
