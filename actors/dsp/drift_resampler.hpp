#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace crowdmesh::dsp {

/// Band-limited resampler for ratios near 1, the kind a playout stage needs to
/// follow a sound card's clock (a few hundred ppm at most): a polyphase
/// windowed-sinc interpolator (J. O. Smith, "Digital Audio Resampling Home
/// Page", CCRMA, the bandlimited-interpolation algorithm) with kTaps taps, a
/// table of kPhases + 1 phases and linear interpolation of the coefficients
/// between neighbouring phases. Roc Toolkit's built-in resampler, written for
/// the same clock-drift job, has the same shape.
///
/// Filter: ideal low-pass at the input's Nyquist frequency (sinc(t)), Kaiser
/// window with β = kKaiserBeta (Oppenheim & Schafer, "Discrete-Time Signal
/// Processing", §7.5.3: β = 0.1102 (A − 8.7) for A ≈ 90 dB). With the cutoff at
/// Nyquist the phase-0 row is a unit impulse, so at a step of exactly 1 the
/// output is the input, bit for bit. Measured (tests/unit/dsp/drift_resampler_test.cpp):
/// sines from 50 Hz to 0.4 × the sample rate (19.2 kHz at 48 kHz) resampled
/// at ±300 ppm come within −97 dB of the exact result (the test asserts −85). It is not a general
/// converter: far from 1 (below ≈ 0.99) content near Nyquist aliases; use
/// libsamplerate there.
///
/// Streaming semantics, the same as libsamplerate's sinc converters: after
/// construction or reset() output frame k sits at input position Σ step (step
/// = 1 / ratio, input frames per output frame; output 0 at input frame 0),
/// frames before input 0 are silence, and output frame k needs the input up to
/// floor(position) + kTaps / 2 (lookahead_frames() frames before the first
/// output). Input is consumed greedily into an internal history buffer.
///
/// Audio: interleaved float frames of channels() samples, in and out.
/// Thread contract: not thread-safe; one owner thread. The coefficient table
/// (≈ 130 KiB) is immutable and shared by every instance of the process
/// (coefficient_table()): the first constructor builds it, later ones reuse
/// it. The constructor allocates (the history, ≈ 17 KiB per channel); reset()
/// and process() never allocate, lock or throw, so they may run on a
/// real-time thread.
class DriftResampler {
 public:
  /// Filter length in input frames (even; kTaps / 2 on each side of the position).
  static constexpr int kTaps = 64;
  /// Phases of the coefficient table per input frame.
  static constexpr int kPhases = 512;
  /// Kaiser window parameter (≈ 90 dB stopband).
  static constexpr double kKaiserBeta = 9.0;

  /// The inner loop that computes an output frame. Both compute the same
  /// filter; they differ in rounding only (the AVX2 one fuses multiply and add):
  /// DriftResamplerTest.Avx2KernelMatchesThePortableOne.
  enum class Kernel {
    best,      ///< avx2_fma where the CPU has it, else portable (the default)
    portable,  ///< 128-bit vectors: SSE2 on x86-64, NEON on arm64
    /// 256-bit AVX2 with fused multiply-add (x86-64 only). About twice as fast
    /// as portable on the same x86-64 machine (docs/BENCHMARKS.md, "The
    /// polyphase filter on AVX2").
    avx2_fma,
  };

  /// True when this process runs on an x86-64 CPU with AVX2 and FMA (and the
  /// build has the avx2_fma kernel). Thread-safe.
  static bool avx2_fma_available() noexcept;

  /// A resampler for `channels` (1..32) interleaved channels, computing with
  /// `kernel`. Throws std::invalid_argument naming the value when channels is
  /// outside 1..32, or when `kernel` is avx2_fma and avx2_fma_available() is false.
  explicit DriftResampler(int channels, Kernel kernel = Kernel::best);

  /// Back to the state after construction: empty history (silence before the
  /// next input), position 0.
  void reset() noexcept;

  /// What one process() call did, frames.
  struct Result {
    std::size_t input_used = 0;        ///< input frames taken (copied into the history)
    std::size_t output_generated = 0;  ///< output frames written
  };

  /// Writes up to `out_frames` frames to `out`, taking input from `in`
  /// (`in_frames` frames) as needed, with `ratio` = output rate / input rate
  /// (> 0; the step is 1 / ratio). Stops early when the input runs out: call
  /// again with more. A null `in` with in_frames > 0, or a ratio that is not
  /// finite and positive, does nothing.
  Result process(const float* in, std::size_t in_frames, float* out, std::size_t out_frames, double ratio) noexcept;

  /// The filter's coefficients, (kPhases + 1) rows of kTaps floats: row p is
  /// the filter at fraction p / kPhases of an input frame, each row scaled to
  /// unit gain at DC. Depends only on kTaps, kPhases and kKaiserBeta, so there
  /// is one per process: built on the first call (21–28 ms at -O2 on a
  /// 2-vCPU VM, mostly std::cyl_bessel_i; allocates), then returned as is. Thread-safe (a function-local
  /// static); never changes after it is built. Not for a real-time thread
  /// before the first DriftResampler exists.
  static const std::vector<float>& coefficient_table();

  /// Input frames needed before the first output after a reset (at ratio 1).
  static constexpr std::size_t lookahead_frames() noexcept { return kTaps / 2 + 1; }
  /// Channels per frame.
  int channels() const noexcept { return channels_; }
  /// The kernel in use (never Kernel::best).
  Kernel kernel() const noexcept { return kernel_; }
  /// Integer part of the next output's input position (input frames since
  /// reset(), the first input being frame 0). A caller that ends a stream
  /// feeds silence until this reaches the number of real frames it gave.
  std::int64_t next_input_frame() const noexcept { return whole_; }

 private:
  void compact() noexcept;
  // Renders up to max_frames output frames from the history as it stands
  // (stops where the next one would read past it); returns how many.
  std::size_t render(float* out, std::size_t max_frames, double step) noexcept;

  int channels_;
  Kernel kernel_;
  const float* table_;          // coefficient_table(): shared, immutable
  std::vector<float> history_;  // planar: channel c holds frames [0, capacity_) at c × capacity_
  std::size_t capacity_;        // history frames per channel
  std::size_t count_ = 0;       // history frames stored
  std::int64_t first_ = 0;      // input index of history frame 0
  std::int64_t whole_ = 0;      // output position: integer part (input index)
  double frac_ = 0.0;           // output position: fraction in [0, 1)
};

}  // namespace crowdmesh::dsp
