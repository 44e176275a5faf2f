#pragma once
#include <cstddef>
#include <cstdint>

namespace crowdmesh::dsp {

/// A sine added to a bus for a given number of frames: the test tone an
/// installer uses to check speakers and levels. Same signal on every channel.
///
/// Click-free: the amplitude moves linearly to its target over kFadeMs at the
/// start, at the end and when a new tone replaces a playing one (the phase runs
/// on, so a frequency change does not jump either). The phase is kept in
/// double precision, so a long tone does not drift.
///
/// Thread contract: one owner thread (the audio thread) calls start(), stop()
/// and add(); all are real-time safe (noexcept, no allocation, no locks).
class TestToneGenerator {
 public:
  /// Length of the fades, ms.
  static constexpr double kFadeMs = 10.0;

  /// sample_rate_hz > 0 (Hz); channels >= 1 (interleaved samples per frame).
  /// Values outside are clamped (1 Hz, 1 channel): callers validate first.
  TestToneGenerator(double sample_rate_hz, int channels) noexcept;

  /// Plays a sine of `frequency_hz` (Hz, 0 < f < rate/2), peak `amplitude`
  /// (linear, full scale = 1) for `frames` frames, the fades included. Replaces
  /// a playing tone. The caller checks the ranges (see common/test_tone_range.hpp).
  void start(double frequency_hz, double amplitude, std::uint64_t frames) noexcept;
  /// Fades the tone out now.
  void stop() noexcept { remaining_frames_ = 0; }
  /// True while the tone sounds (fading out included).
  bool active() const noexcept { return remaining_frames_ > 0 || level_ > 0.0; }
  /// Frames left before the fade-out ends (0 when silent).
  std::uint64_t remaining_frames() const noexcept { return remaining_frames_; }
  /// Frequency of the current (or last) tone, Hz.
  double frequency_hz() const noexcept { return frequency_hz_; }

  /// Adds the tone to interleaved frames × channels floats. A no-op when inactive.
  void add(float* interleaved, std::size_t frames) noexcept;

 private:
  double sample_rate_hz_;
  int channels_;
  double fade_step_;  // amplitude change per frame during a fade (amplitude / fade frames)
  double frequency_hz_ = 0.0;
  double phase_ = 0.0;  // cycles, in [0, 1)
  double amplitude_ = 0.0;
  double level_ = 0.0;  // current amplitude (follows the envelope)
  std::uint64_t fade_frames_;
  std::uint64_t remaining_frames_ = 0;
};

}  // namespace crowdmesh::dsp
