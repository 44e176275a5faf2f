#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "device/drift_controller.hpp"

struct SRC_STATE_tag;  // libsamplerate's SRC_STATE, kept out of this header

namespace crowdmesh::dsp {
class DriftResampler;
}

namespace crowdmesh::device {

/// Converter used by the playout stage. `polyphase` is dsp::DriftResampler
/// (a 64-tap windowed sinc for ratios near 1, the production default: a
/// fifth of sinc_fastest's cost, tests/bench/playout_bench.cpp); the others
/// are libsamplerate's SRC_SINC_FASTEST, SRC_SINC_MEDIUM_QUALITY,
/// SRC_SINC_BEST_QUALITY and SRC_LINEAR. The sinc converters are
/// band-limited and time-aligned (delay 0); linear aliases and lags its input
/// by exactly one frame (the stage accounts for it) and is for comparison.
enum class PlayoutConverter { polyphase, sinc_fastest, sinc_medium, sinc_best, linear };

/// "polyphase", "sinc_fastest", "sinc_medium", "sinc_best" or "linear". Pure.
const char* to_string(PlayoutConverter c) noexcept;

/// The drift-locked playout stage: converts audio rendered on the mesh timeline
/// (mesh frame m has PTS(m) = round(m × 1e9 / rate_hz) ns on the mesh clock) to
/// the sound card's true rate, so that every frame reaches the DAC at its PTS.
///
/// Data path: push() appends mesh-rate frames (in order, from first_mesh_frame
/// on); pull() produces card-rate frames for the device's output ring with
/// the converter (Config::converter) at a variable ratio. Ring frame j counts the frames pull() has
/// returned since construction (j = 0 is the first one); for each j the stage
/// remembers its mesh position m(j) (fractional, advancing by 1 + u·1e-6 per
/// ring frame), in one record per pull().
///
/// Control: the device reports "ring frame j reached the DAC at mesh time D"
/// (observe()). e = D − PTS(m(j)) drives a DriftController whose output u (ppm)
/// sets the resampling step: pull() consumes 1 + u·1e-6 mesh frames per ring
/// frame, i.e. the converter's ratio (output rate / input rate) is
/// 1 / (1 + u·1e-6). Signs: e > 0 = frames play LATE → u > 0 → consume mesh
/// frames faster. A card FAST by p ppm needs MORE ring frames per mesh frame
/// (ratio 1 + p·1e-6), so u settles at ≈ −p; Stats::card_rate_ppm reports +p.
///
/// Realign: if |e| exceeds realign_threshold_ns (or, at the first accepted
/// observation, initial_align_threshold_ns: the initial alignment), the stage
/// moves the input position by round(e × rate) frames: e > 0 drops that many
/// mesh frames, e < 0 inserts that much silence before the next unplayed frame,
/// so that the next pulled frame lands on time (the converter is reset; the
/// splice is a hard cut). Observations of ring frames pulled before a realign
/// are then ignored (stale: their error is already corrected).
///
/// Rate measurement: independently of the loop, the slope of D against ring
/// frames over rate_window_s (least squares) gives the card's rate against the
/// mesh clock (Stats::measured_card_ppm). When it is beyond ±max_correction_ppm
/// (+1 % or 1 ppm) and the loop sat at its limit for half the window, the card
/// cannot be followed (e.g. a 44.1 kHz card declared 48 kHz): Stats::out_of_range
/// is set and out_of_range_reports counts it once; the stage keeps playing and
/// realigning whenever |e| passes the threshold.
///
/// Alignment: the sinc converters keep the output time-aligned with the input
/// (output frame k after a reset is input position k × step; they lag in COUNT
/// only, by lookahead_frames()); linear outputs input position k × step − 1.
/// m(j) includes that offset (tested with a sine through the stage).
///
/// Thread contract: not thread-safe; ONE thread (the playout/render thread)
/// calls everything, including stats(). The constructor allocates everything
/// (the converter, buffers, records); push(), pull(), observe(),
/// input_frames_wanted() and the accessors never allocate, lock, block or
/// throw. The destructor frees (not real-time). Cost of a stereo period
/// (push + observe + pull): see docs/BENCHMARKS.md, "Playout stage cost"
/// (tests/bench/playout_bench.cpp); fine for the playout thread, NOT meant for
/// the device callback itself.
class PlayoutStage {
 public:
  /// Construction parameters. Units in the names.
  struct Config {
    /// Interleaved channels per frame, 1..32.
    int channels = 2;
    /// Nominal rate of the mesh timeline and of the card, Hz (8000..384000).
    int rate_hz = 48000;
    /// Mesh frame index m0 of the first frame push() will receive (absolute
    /// frame number on the mesh grid; may be negative).
    std::int64_t first_mesh_frame = 0;
    /// Converter; see PlayoutConverter.
    PlayoutConverter converter = PlayoutConverter::polyphase;
    /// Realign when |e| exceeds this after the first accepted observation, ns (> 0).
    std::int64_t realign_threshold_ns = 2'000'000;
    /// At the first accepted observation, align when |e| exceeds this, ns (≥ 0;
    /// default ≈ half a frame at 48 kHz).
    std::int64_t initial_align_threshold_ns = 10'000;
    /// After the initial alignment, realign only when this many consecutive
    /// observations are beyond realign_threshold_ns (≥ 1), by the smallest of
    /// their errors: a driver's DAC times jitter with the callback's wake-up (a
    /// JACK or ALSA thread woken late shifts one timestamp by milliseconds), and a
    /// single late timestamp must not drop or insert audio. A real jump (a stall,
    /// a clock step) persists. Observations beyond the threshold do not feed
    /// the loop.
    int realign_after_observations = 8;
    /// Largest rate correction, ± ppm (> 0, ≤ 100000); overrides
    /// controller.max_correction_ppm. A card further off saturates the loop: the
    /// stage then keeps realigning and reports it once (Stats::out_of_range,
    /// out_of_range_reports) when a rate window measures the card beyond
    /// max + max(1 ppm, 1 %) while the loop sat at its limit for half the window.
    double max_correction_ppm = 300.0;
    /// Loop tuning (see DriftController).
    DriftController::Settings controller;
    /// Capacity: most frames one pull() produces (larger requests are capped)
    /// and sizing unit of the input buffer (2 × this + lookahead frames), frames (> 0).
    std::size_t max_frames_per_call = 4096;
    /// Window of the card-rate measurement (least-squares slope of the DAC
    /// reports against ring frames), s of mesh time (0.1..60).
    double rate_window_s = 2.0;
    /// Position records kept (one per pull()); observations of ring frames older
    /// than the oldest record are ignored as invalid (> 0).
    std::size_t history_blocks = 512;
    /// Sinc converters: while the input around the play position is digital
    /// silence (every pushed frame from kSilenceHistoryFrames before it on is
    /// 0.0), pull() writes zeros without running the converter — what it would
    /// have written — and, when sound comes back, resets and primes it so that
    /// its phase is exactly where it would have been (see pull()). An idle
    /// node's playout then costs a scan for non-zero samples per period.
    bool skip_silence = true;
  };

  /// Mesh position of a ring frame: `frame` + `fraction` (0 ≤ fraction < 1),
  /// in mesh frames.
  struct MeshPosition {
    std::int64_t frame = 0;  ///< integer part, absolute mesh frame index
    double fraction = 0.0;   ///< fractional part, frames in [0, 1)
  };

  /// Counters and loop state, for telemetry.
  struct Stats {
    double error_ns = 0.0;                      ///< e of the last accepted observation, ns (> 0 = late)
    double filtered_error_ns = 0.0;             ///< e low-passed by the controller, ns
    double correction_ppm = 0.0;                ///< u: extra mesh frames consumed per ring frame, ppm
    double card_rate_ppm = 0.0;                 ///< card rate vs the mesh clock implied by u, ppm (> 0 = fast)
    double measured_card_ppm = 0.0;             ///< card rate vs the mesh clock from the DAC reports alone
                                                ///< (last rate window), ppm; 0 before the first window
    bool locked = false;                        ///< controller locked (|filtered e| < 100 µs for 5 s by default)
    bool out_of_range = false;                  ///< the card is beyond ±max_correction_ppm (last rate window)
    std::uint64_t observations = 0;             ///< observe() calls
    std::uint64_t stale_observations = 0;       ///< ignored: ring frame pulled before the last realign
    std::uint64_t invalid_observations = 0;     ///< ignored: unknown or non-increasing ring frame, overflow
    std::uint64_t initial_alignments = 0;       ///< 0 or 1: alignment at the first accepted observation
    std::int64_t initial_alignment_frames = 0;  ///< frames it moved: > 0 dropped, < 0 inserted
    std::uint64_t realigns = 0;                 ///< realigns after the initial alignment
    std::uint64_t frames_dropped = 0;           ///< mesh frames dropped by those realigns
    std::uint64_t frames_inserted = 0;          ///< silent frames inserted by those realigns
    std::uint64_t out_of_range_reports = 0;     ///< times the card was found out of range (log each new one)
    std::uint64_t input_shortfalls = 0;         ///< pull() calls that returned fewer frames than asked
    std::uint64_t silent_frames_skipped = 0;    ///< ring frames written as silence without the converter
    std::uint64_t converter_primes = 0;         ///< converter resets and primes when sound came back
    std::uint64_t ring_frames = 0;              ///< frames pulled so far (next ring frame index)
    std::int64_t next_mesh_frame = 0;           ///< mesh frame (floor) of the next ring frame
    std::int64_t next_input_frame = 0;          ///< mesh frame the next push() starts at
  };

  /// Overflow-safe PTS of mesh frame `mesh_frame`: round(m × 1e9 / rate_hz) ns
  /// (halves round up). rate_hz > 0. Pure.
  static std::int64_t pts_ns(std::int64_t mesh_frame, int rate_hz) noexcept;

  /// Empty when `config` is usable, else a sentence naming the bad field, its
  /// value and the allowed range. Not real-time (allocates the sentence).
  static std::string validate(const Config& config);

  /// Allocates the converter, buffers and records, and measures the
  /// converter's lookahead. Not real-time. Errors: std::invalid_argument with
  /// validate()'s sentence; std::runtime_error when libsamplerate's src_new
  /// fails (with its message); std::bad_alloc.
  explicit PlayoutStage(const Config& config);
  ~PlayoutStage();
  PlayoutStage(const PlayoutStage&) = delete;
  PlayoutStage& operator=(const PlayoutStage&) = delete;

  /// Mesh frames push() should receive now so that pull(output_frames) can be
  /// served in full: the frames up to the last output's position × current step,
  /// plus the converter's lookahead and a 2-frame margin, minus what is already
  /// pushed. Includes frames a pending drop will discard. 0 when enough is
  /// buffered. output_frames is capped at max_frames_per_call.
  std::size_t input_frames_wanted(std::size_t output_frames) const noexcept;

  /// Appends `frames` mesh-rate frames (interleaved, frames × channels() floats),
  /// continuing from the last pushed mesh frame (the first push starts at
  /// first_mesh_frame). Frames a realign skipped are discarded without being
  /// stored. All or nothing: returns false (and stores nothing) when the frames
  /// to store do not fit in the input buffer. `interleaved` may be null only
  /// when frames is 0.
  bool push(const float* interleaved, std::size_t frames) noexcept;

  /// Writes up to min(frames, max_frames_per_call) card-rate frames to `out`
  /// (interleaved, channels() floats per frame) and returns how many; fewer only
  /// when the pushed input runs out (counted in input_shortfalls). These become
  /// ring frames stats().ring_frames … + n − 1: the caller must write exactly
  /// them to the device ring, nothing else.
  /// Silence (Config::skip_silence): when every pushed frame from
  /// kSilenceHistoryFrames before the play position on is 0.0 and the input
  /// this call needs is there, the call writes zeros and advances the
  /// positions without the converter. The first call after sound is pushed
  /// again resets the converter at kSilenceHistoryFrames before the play
  /// position p (whole w + fraction f), feeds it those (silent) frames and the
  /// frames after, and discards kSilenceHistoryFrames outputs made at the step
  /// (K + f) / K: the next output is then at p exactly, with the same (silent)
  /// filter history as a converter that never stopped — the output matches it
  /// to float rounding (tested).
  std::size_t pull(float* out, std::size_t frames) noexcept;

  /// Ring frame `ring_frame` reached the DAC at mesh time `dac_mesh_ns` (ns).
  /// Updates the loop or realigns (see the class comment). Observations must
  /// have increasing ring frames; unknown (not pulled yet, older than the
  /// records), repeated or overflowing ones are counted and ignored.
  void observe(std::uint64_t ring_frame, std::int64_t dac_mesh_ns) noexcept;

  /// Sets the correction directly, ppm (clamped to ±max_correction_ppm): output
  /// and integrator of the controller. For free-running without observations
  /// (e.g. a known card offset) and for tests; observe() continues from it.
  void set_correction_ppm(double ppm) noexcept;

  /// Mesh position of ring frame `ring_frame`, or nullopt when it was not pulled
  /// yet or is older than the records.
  std::optional<MeshPosition> position_of(std::uint64_t ring_frame) const noexcept;

  /// Snapshot of counters and loop state.
  Stats stats() const noexcept;

  /// Interleaved channels per frame.
  int channels() const noexcept { return channels_; }
  /// Nominal rate, Hz.
  int rate_hz() const noexcept { return rate_hz_; }
  /// Most frames per pull(), frames.
  std::size_t max_frames_per_call() const noexcept { return capacity_; }
  /// Input frames the converter needs beyond an output's position before it
  /// produces it (measured at construction), frames.
  std::size_t lookahead_frames() const noexcept { return lookahead_; }
  /// Constant lag of the converter's output behind its input, frames (0 sinc, 1 linear).
  int converter_delay_frames() const noexcept { return delay_; }
  /// The loop (read-only).
  const DriftController& controller() const noexcept { return controller_; }
  /// Silent input frames kept before the play position when the converter is
  /// primed after a silence; also how far back the input must be silent
  /// before pull() skips the converter (> the sinc filters' half-length at
  /// the stage's ratios: 2 × lookahead is plenty; this is a floor).
  static constexpr std::int64_t kSilenceHistoryFrames = 256;

 private:
  struct Record {
    std::uint64_t ring_start = 0;
    std::uint64_t frames = 0;
    std::int64_t whole = 0;  // mesh position of ring_start relative to m0: whole + frac
    double frac = 0.0;
    double step = 1.0;
  };

  // Least-squares slope of D against ring frames over one window.
  struct RateWindow {
    bool started = false;
    std::uint64_t j0 = 0;
    std::int64_t d0 = 0;
    std::uint64_t last_j = 0;
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, span_ns = 0;
    double loop_samples = 0, saturated_samples = 0;
  };

  bool lookup(std::uint64_t ring_frame, std::int64_t& whole, double& frac) const noexcept;
  void measure_rate(std::uint64_t ring_frame, std::int64_t dac_mesh_ns) noexcept;
  void realign(double error_ns, bool initial) noexcept;
  void apply_correction(double ppm) noexcept;
  void compact() noexcept;
  bool can_skip(std::size_t frames) const noexcept;
  bool prime() noexcept;
  std::int64_t retain_from() const noexcept;
  std::int64_t floor_out_pos() const noexcept;
  void reset_converter() noexcept;
  // One converter call: up to out_frames outputs from in_frames inputs at
  // `ratio`; false on a converter error.
  bool convert(const float* in, std::size_t in_frames, float* out, std::size_t out_frames, double ratio,
               std::size_t& used, std::size_t& generated) noexcept;

  int channels_;
  int rate_hz_;
  std::int64_t m0_;
  std::int64_t pts_m0_;
  double ns_per_frame_;
  std::size_t capacity_;
  std::int64_t realign_threshold_ns_;
  std::int64_t initial_align_threshold_ns_;
  int realign_after_;
  double max_correction_ppm_;
  int delay_ = 0;
  std::size_t lookahead_ = 0;

  SRC_STATE_tag* src_ = nullptr;                // libsamplerate converters
  std::unique_ptr<dsp::DriftResampler> drift_;  // PlayoutConverter::polyphase
  DriftController controller_;

  // Input: stored mesh frames [in_begin_, next_push_) (relative to m0), in in_buf_.
  std::unique_ptr<float[]> in_buf_;
  std::size_t in_cap_ = 0;
  std::int64_t in_begin_ = 0;
  std::int64_t next_push_ = 0;
  std::int64_t fed_ = 0;            // next content frame handed to the converter (relative to m0)
  std::int64_t content_start_ = 0;  // first content frame after the last realign (relative to m0)
  std::uint64_t silence_pending_ = 0;
  std::unique_ptr<float[]> zeros_;
  std::size_t zeros_frames_ = 0;
  // Silence skipping: the last pushed frame with a non-zero sample (relative
  // to m0; far below any frame before the first), whether the converter's
  // state is behind the play position (skipped), and the primer's scratch.
  bool skip_silence_ = true;
  std::int64_t last_sound_ = std::numeric_limits<std::int64_t>::min() / 2;
  bool converter_behind_ = false;
  std::int64_t silence_history_ = kSilenceHistoryFrames;
  std::unique_ptr<float[]> prime_out_;

  // Output: position of the next ring frame (relative to m0) and the step.
  std::int64_t out_whole_ = 0;
  double out_frac_ = 0.0;
  double step_ = 1.0;
  double ratio_ = 1.0;
  std::uint64_t ring_next_ = 0;

  std::unique_ptr<Record[]> records_;
  std::size_t records_cap_ = 0;
  std::size_t records_count_ = 0;
  std::size_t records_head_ = 0;  // index of the next record to write

  bool aligned_once_ = false;
  int beyond_count_ = 0;         // consecutive observations beyond the realign threshold
  double beyond_min_error_ = 0;  // the smallest |e| of them (signed)
  bool has_accepted_ = false;
  std::uint64_t last_accepted_ring_ = 0;
  std::uint64_t stale_before_ = 0;
  double rate_window_ns_;
  RateWindow window_;
  Stats stats_;
};

}  // namespace crowdmesh::device
