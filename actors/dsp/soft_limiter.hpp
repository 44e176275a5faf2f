#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace crowdmesh::dsp {

/// Master-bus soft limiter: never lets a sample exceed the ceiling and never hard-clips: a peak
/// envelope (instant attack, exponential release) drives a smooth gain, followed by a soft-knee
/// saturator (e.g. tanh-shaped above a knee) as a final guard; below threshold it is bit-transparent
/// (output == input). Linked across channels (same gain on all channels).
///
/// Per frame (no look-ahead, zero latency), with ceiling C and threshold (knee) K = C − kKneeDb:
///  - env = max(max_ch |x|, env · r), r = exp(−1 / (release_ms · fs / 1000));
///  - target gain gt = K / max(env, K) (1 when env <= K);
///  - gain g = max(gt, g + (gt − g) · a): falls toward gt with the attack time constant
///    kAttackMs (a = 1 − exp(−1 / (kAttackMs · fs / 1000))) and rises with gt at once, i.e. the
///    release is the envelope's exponential release;
///  - u = g · x; above the knee the saturator y = sign(u)·(K + (C − K)·s((|u| − K)/(C − K))) with
///    s(v) = v / √(1 + v²) (a tanh-like sigmoid: slope 1 at the knee, strictly increasing,
///    strictly below 1), then min(|y|, C) against rounding. Attack overshoot therefore bends
///    smoothly into the region between K and C instead of being clipped.
/// Below the knee g == 1 exactly and u == x, so the output equals the input bit for bit.
///
/// Thread contract: process() from one owner thread (the audio thread), real-time safe
/// (noexcept, no allocation, no locks). gain_reduction_db() and limited_frames() may be read from
/// any thread (relaxed atomics updated once per process() call).
class SoftLimiter {
 public:
  /// Width of the soft knee below the ceiling (dB): the threshold is ceiling − kKneeDb.
  static constexpr float kKneeDb = 2.0f;
  /// Attack time constant of the gain (ms).
  static constexpr float kAttackMs = 1.0f;

  /// sample_rate_hz > 0 (Hz); channels >= 1; ceiling_dbfs <= 0 (dBFS, 1.0 = 0 dBFS);
  /// release_ms > 0 (ms, envelope release time constant). Throws std::invalid_argument otherwise.
  SoftLimiter(float sample_rate_hz, int channels, float ceiling_dbfs = -0.3f, float release_ms = 80.0f);

  /// In place on interleaved frames × channels floats (channels given at construction).
  /// Non-finite input samples are not sanitised (NaN stays NaN). Real-time safe.
  void process(float* interleaved, std::size_t frames) noexcept;
  /// Clears the envelope and the gain (as after construction): the way back
  /// when they ever went non-finite. Real-time safe; owner thread.
  void reset() noexcept {
    env_ = 0.0f;
    gain_ = 1.0f;
  }
  /// Gain reduction at the end of the last process() call, in dB (>= 0; 0 = no reduction).
  /// The saturator's share is not included. Any thread.
  float gain_reduction_db() const noexcept;
  /// Frames where gain < 1 or the saturator acted, since construction. Any thread.
  std::uint64_t limited_frames() const noexcept { return limited_frames_.load(std::memory_order_relaxed); }

  /// Ceiling as a linear amplitude (no output sample's magnitude exceeds it).
  float ceiling() const noexcept { return ceiling_; }
  /// Threshold (knee) as a linear amplitude: samples with |x| <= threshold pass unchanged
  /// while no gain reduction is active.
  float threshold() const noexcept { return knee_; }
  /// Samples per frame given at construction.
  int channels() const noexcept { return channels_; }

 private:
  int channels_;
  float ceiling_;
  float knee_;
  float span_;     // ceiling_ - knee_
  float release_;  // envelope multiplier per frame
  float attack_;   // gain one-pole coefficient per frame
  float env_ = 0.0f;
  float gain_ = 1.0f;
  std::uint64_t limited_ = 0;
  std::atomic<float> gain_out_{1.0f};
  std::atomic<std::uint64_t> limited_frames_{0};
};

}  // namespace crowdmesh::dsp
