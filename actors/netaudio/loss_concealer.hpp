#pragma once
#include <cstdint>
#include <vector>

namespace crowdmesh::netaudio {

/// Fills frames that never arrived, frame by frame, in a stream of
/// interleaved frames (`channels` floats each).
///
/// Method: waveform repetition with cross-fades and attenuation, after ITU-T
/// G.711 Appendix I ("A high quality low-complexity algorithm for packet loss
/// concealment with G.711", 1999): a loss repeats the last good period of
/// audio; over the first quarter period the output moves linearly from the
/// last frame played to the repeat, so the waveform does not jump; the repeat fades
/// linearly to silence over one period, so a loss that persists beyond about
/// one period is silence; when audio returns, a quarter period cross-fades
/// from the concealment (continued) into it. Unlike G.711 there is no pitch
/// search (music is polyphonic): the period is fixed, normally one packet's
/// frames, and nothing is delayed.
///
/// Thread contract: one thread; good(), missing() and reset() never allocate,
/// lock or make a syscall. A stream without loss passes through bit-exact.
class LossConcealer {
 public:
  /// `channels` ≥ 1, `period_frames` ≥ 4 (clamped). Allocates the history: not real-time.
  LossConcealer(std::uint32_t channels, std::uint32_t period_frames);

  /// A frame that arrived: writes the frame to `out` (`in` itself, or during
  /// the quarter period after a loss a cross-fade from the concealment into
  /// it) and keeps it as history. `in` and `out` hold `channels` floats and
  /// may be the same buffer.
  void good(const float* in, float* out) noexcept;
  /// A frame that is missing: writes its concealment to `out` (`channels` floats).
  void missing(float* out) noexcept;
  /// Forgets the history (a new stream): the next loss is silence until a period of audio arrived.
  void reset() noexcept;

  /// The repeated period (and the fade to silence), frames.
  std::uint32_t period_frames() const noexcept { return period_; }
  /// Length of the cross-fades: a quarter period, in frames.
  std::uint32_t fade_frames() const noexcept { return fade_; }

 private:
  float concealed_sample(std::uint32_t j, std::uint32_t c) const noexcept;
  void start_loss() noexcept;

  std::uint32_t channels_;
  std::uint32_t period_;
  std::uint32_t fade_;
  std::vector<float> history_;  // ring of the last `period_` good frames
  std::uint32_t history_pos_ = 0;
  std::uint32_t history_count_ = 0;
  std::vector<float> repeat_;  // the period being repeated, oldest frame first
  std::uint32_t repeat_len_ = 0;
  std::vector<float> hold_;  // last frame played before the loss
  std::vector<float> last_out_;
  std::uint32_t lost_run_ = 0;      // frames concealed in the current loss
  std::uint32_t recover_left_ = 0;  // frames left of the fade back into audio
  std::uint32_t recover_j_ = 0;     // concealment index continued during that fade
};

}  // namespace crowdmesh::netaudio
