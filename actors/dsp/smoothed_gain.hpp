#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace crowdmesh::dsp {

/// Per-sample smoothed linear gain: one-pole low-pass toward the target (no zipper noise).
///
/// The state is the error `current - target`, which decays by the pole
/// p = exp(-1 / (time_constant_ms · sample_rate_hz / 1000)) once per frame; this never
/// stalls short of the target the way `g += (t - g)·a` does in float. When |error| drops
/// within kSnapTolerance · max(1, |target|) the gain snaps to the target exactly (so a
/// settled gain of 1 is bit-transparent and no subnormal values are ever produced).
/// After n time constants the remaining error is e^-n of the step (1 % after ~4.6).
///
/// Ramps: ramp_to() moves the gain linearly (in amplitude) from its current value to a
/// new target over an exact number of frames, then holds it exactly: a fade or a
/// crossfade of a given length (OSC /fade, SetGain.ramp_seconds). set_target() or
/// jump_to() during a ramp end it.
///
/// Thread contract: not thread-safe; one owner thread (normally the audio thread) calls
/// everything. All methods except the constructor are real-time safe: noexcept, no
/// allocation, no locks.
class SmoothedGain {
 public:
  /// Relative snap tolerance (see class comment).
  static constexpr float kSnapTolerance = 1e-6f;

  /// sample_rate_hz > 0 (Hz); time_constant_ms >= 0 (ms, 0 = no smoothing);
  /// initial_gain is both the current and the target linear gain.
  /// Throws std::invalid_argument when sample_rate_hz is not finite and > 0 or
  /// time_constant_ms is not finite and >= 0.
  explicit SmoothedGain(float sample_rate_hz, float time_constant_ms = 10.0f, float initial_gain = 1.0f);

  /// New linear target; the current gain ramps toward it. The caller validates
  /// (finite, >= 0). Real-time safe.
  void set_target(float linear_gain) noexcept;
  /// The linear target last set.
  float target() const noexcept { return target_; }
  /// The linear gain applied to the most recent frame.
  float current() const noexcept { return target_ + error_; }
  /// True when the current gain equals the target (snapped within the tolerance)
  /// and no ramp runs.
  bool settled() const noexcept { return error_ == 0.0f && ramp_left_ == 0; }
  /// Sets target and current gain at once (no ramp). Real-time safe.
  void jump_to(float linear_gain) noexcept;
  /// Linear ramp from the current gain to `linear_gain`, reached exactly at the
  /// `frames`-th frame from now (0 = set_target()). Real-time safe.
  void ramp_to(float linear_gain, std::uint64_t frames) noexcept;
  /// Frames left in the running ramp (0 when none).
  std::uint64_t ramp_frames_left() const noexcept { return ramp_left_; }
  /// Per-frame pole p (error multiplier per frame), in [0, 1).
  float pole() const noexcept { return pole_; }
  /// Time constant in frames (samples at the sample rate); 0 when unsmoothed.
  float time_constant_frames() const noexcept { return time_constant_frames_; }

  /// Advances the ramp by one frame and returns the gain for that frame.
  float next() noexcept {
    if (ramp_left_ > 0) {
      --ramp_left_;
      error_ = static_cast<float>(ramp_error0_ * static_cast<double>(ramp_left_) * ramp_inv_frames_);
      return target_ + error_;
    }
    float e = error_ * pole_;
    e = std::fabs(e) <= snap_ ? 0.0f : e;
    error_ = e;
    return target_ + e;
  }

  /// In place: multiplies an interleaved block (frames × channels floats), gain advancing
  /// once per frame (all channels of a frame get the same gain). channels >= 1.
  void apply(float* interleaved, std::size_t frames, int channels) noexcept;
  /// Mix: dst += gain × src (both interleaved frames × channels floats, not overlapping),
  /// gain advancing once per frame. channels >= 1.
  void apply_add(const float* src, float* dst, std::size_t frames, int channels) noexcept;

 private:
  float pole_;
  float time_constant_frames_;
  float target_;
  float error_ = 0.0f;  // current - target
  float snap_;
  // Running ramp: error = ramp_error0_ × frames left / frames in total.
  std::uint64_t ramp_left_ = 0;
  double ramp_error0_ = 0.0;
  double ramp_inv_frames_ = 0.0;
};

}  // namespace crowdmesh::dsp
