#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "common/frame_reader.hpp"
#include "rt/seqlock.hpp"
#include "rt/spsc_ring.hpp"
#include "stretch/resampler_quality.hpp"
#include "stretch/samplerate_resampler.hpp"
#include "stretch/soundtouch_stretcher.hpp"
#include "stretch/sndfile_decoder.hpp"
#include "stretch/source_config.hpp"
#include "stretch/source_info.hpp"
#include "stretch/stretch_method.hpp"

namespace crowdmesh::stretch {

/// One source file read ahead of the play head, at a tempo ratio:
/// file → decode (SndfileDecoder, blocks of kDecodeBlockFrames) → channel map
/// (map_channels(), see channel_map.hpp) → tempo (StretchMethod) → FIFO
/// (rt::SpscRing) → consumer (the mixer). The tempo stage is one of:
///  - StretchMethod::playback_rate: one libsamplerate pass (SamplerateResampler) at
///    ratio (device rate / file rate) / tempo_ratio — varispeed, pitch follows tempo;
///    ratio changes glide (libsamplerate interpolates across the next block).
///    A file at the device rate played at its native tempo (ratio exactly 1)
///    is copied, not converted, until the tempo first moves (SamplerateResampler
///    passthrough: bit-exact, and the hand-over has no seam).
///  - StretchMethod::soundtouch: libsamplerate at the fixed device/file ratio, then
///    SoundTouchStretcher at tempo_ratio — pitch preserved.
/// Switching the method while playing is a short dip-crossfade, not a true
/// crossfade: the outgoing path fades to silence over kSwitchFadeSeconds (10 ms),
/// the decoder is re-positioned to the file frame reached by the output (so the
/// file position stays continuous), the converters are reset, and the new path
/// fades in over kSwitchFadeSeconds. No click; a ~20 ms dip in level.
///
/// Memory is bounded and independent of file length: the FIFO
/// (fifo_capacity() × device_channels floats) plus four blocks and the codec,
/// converter and SoundTouch state. The file is never decoded as a whole.
///
/// Thread contract: exactly one producer thread (the reader) calls fill();
/// exactly one consumer thread (the mixer) calls the FrameReader methods, which
/// are wait-free, never allocate, lock or throw. Methods marked "any thread" are
/// atomic or read immutable data. open() and the destructor are not real-time;
/// destroy only after both threads stopped using the object.
class FileSource final : public FrameReader {
 public:
  /// File frames decoded per block (bounds memory and the work per fill step).
  static constexpr std::size_t kDecodeBlockFrames = 2048;
  /// Device frames produced per resampler call.
  static constexpr std::size_t kOutputBlockFrames = 2048;
  /// Allowed SourceConfig::fifo_frames range.
  static constexpr std::size_t kMinFifoFrames = 256;
  /// See kMinFifoFrames.
  static constexpr std::size_t kMaxFifoFrames = std::size_t{1} << 24;
  /// Allowed device and file channel counts.
  static constexpr int kMinChannels = 1;
  /// See kMinChannels.
  static constexpr int kMaxChannels = 8;
  /// Allowed SourceConfig::device_rate_hz range, in Hz.
  static constexpr int kMinDeviceRateHz = 8000;
  /// See kMinDeviceRateHz.
  static constexpr int kMaxDeviceRateHz = 384000;
  /// Allowed tempo ratio range (target BPM / native BPM); set_tempo_ratio() clamps
  /// to it, open() rejects SourceConfig::tempo_ratio outside it.
  static constexpr double kMinTempoRatio = 0.5;
  /// See kMinTempoRatio.
  static constexpr double kMaxTempoRatio = 2.0;
  /// Length of each half of the method-switch dip (fade-out, then fade-in), seconds.
  static constexpr double kSwitchFadeSeconds = 0.010;

  /// Opens and validates `path` with `cfg`; decodes nothing except what validation
  /// needs, then seeks to cfg.start_frame. Errors (sentence names the thing):
  ///  - errc::value_out_of_range: cfg.device_channels outside 1..8, cfg.device_rate_hz
  ///    outside 8000..384000, cfg.fifo_frames outside 256..16777216, or
  ///    cfg.start_frame outside 0..file_frames, cfg.end_frame neither 0 nor inside
  ///    start_frame + 1..file_frames, cfg.loop_begin_frame outside 0..region end − 1,
  ///    cfg.tempo_ratio outside 0.5..2.0 or
  ///    NaN, or cfg.soundtouch outside SoundTouchStretcher::validate()'s ranges
  ///    (value and range in the sentence);
  ///  - errc::file_not_found: nothing at the path (sentence has the absolute path);
  ///  - errc::unreadable_file: libsndfile refuses the file (path + libsndfile's message);
  ///  - errc::unsupported_channels: file channels outside 1..8 (count and range);
  ///  - errc::unsupported_format: file rate ≤ 0, or file/device rate ratio divided by
  ///    any tempo ratio in 0.5..2.0 outside libsamplerate's 1/256..256.
  /// Allocates (FIFO, blocks, src_new): not real-time. Never throws.
  static caf::expected<std::unique_ptr<FileSource>> open(const std::string& path, const SourceConfig& cfg);

  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // ---- producer side: exactly one reader thread ----

  /// Decodes, maps, resamples and stretches until the FIFO is full, `max_frames`
  /// device frames were written, or the input ended; returns device frames written
  /// to the FIFO. Applies the latest set_tempo_ratio() / set_method() first (and
  /// again before every block) and publishes file_position_seconds().
  /// At end of file (or of the region, SourceConfig::end_frame): with loop() set,
  /// seeks to SourceConfig::loop_begin_frame and continues without
  /// resetting the resampler (seamless: no click, no gap); otherwise flushes the
  /// resampler tail and marks the input ended. A decode or resampler error
  /// (truncated/corrupt data) ends the stream cleanly after the frames decoded
  /// before it: decode_errors() is incremented and last_error() keeps the message.
  /// Returns 0 once input_ended(). Blocking file I/O: never call from the RT thread.
  /// Never throws.
  std::size_t fill(std::size_t max_frames = SIZE_MAX) noexcept;

  /// Any thread: the producer reached the end (no more frames will be written to
  /// the FIFO). Acquire: after it returns true, last_error() and the final FIFO
  /// contents are visible.
  bool input_ended() const noexcept;

  /// Producer thread (or any thread for telemetry, approximate): device frames
  /// written to the FIFO so far.
  std::int64_t frames_written() const noexcept;

  // ---- consumer side (FrameReader): exactly one mixer thread; wait-free ----

  /// Copies up to `frames` interleaved device frames (device_channels floats each)
  /// into dst; returns frames copied (fewer when the reader is behind or the
  /// stream ended). Wait-free.
  std::size_t read(float* dst, std::size_t frames) noexcept override;
  /// Device frames readable now. Wait-free.
  std::size_t available() const noexcept override;
  /// input_ended() and the FIFO is empty. Wait-free.
  bool finished() const noexcept override;
  /// Device frames delivered by read() so far (also readable from any thread).
  /// Under a tempo ratio ≠ 1 this is NOT file time: use file_position_seconds().
  std::int64_t frames_read() const noexcept override;
  /// The next frame read() returns reaches the DAC at mesh time pts_ns
  /// (published wait-free for the producer: presented_frame_at()).
  void mark_presentation(std::int64_t pts_ns) noexcept override;

  /// Producer thread (or any): the FIFO frame index (counted like
  /// frames_written()) that reaches the DAC at mesh time `pts_ns`, from the
  /// consumer's last mark_presentation() — assuming the buffer keeps playing
  /// without underrun; nullopt before any mark (not playing yet). A tempo change
  /// scheduled at mesh time T takes effect at this frame, the same frame in
  /// every room that started the buffer at the same PTS.
  std::optional<std::int64_t> presented_frame_at(std::int64_t pts_ns) const noexcept;

  // ---- any thread ----

  /// Sets looping; takes effect at the next end of file seen by fill(). Has no
  /// effect once input_ended() is true. Atomic.
  void set_loop(bool loop) noexcept;
  /// Current loop flag. Atomic.
  bool loop() const noexcept;

  /// Requests tempo ratio = target BPM / native BPM (1.0 = as recorded, > 1 faster,
  /// for both methods). Clamped to kMinTempoRatio..kMaxTempoRatio (0.5..2.0); NaN
  /// is ignored (the ratio stays). Any thread, atomic; fill() applies it before its
  /// next block (playback_rate glides to it; soundtouch changes its hop).
  void set_tempo_ratio(double ratio) noexcept;
  /// The requested tempo ratio (what set_tempo_ratio() stored). Any thread, atomic.
  double tempo_ratio() const noexcept;
  /// Requests the stretch method. Any thread, atomic; fill() performs the switch as a
  /// dip-crossfade (see the class comment). No effect once input_ended().
  void set_method(StretchMethod method) noexcept;
  /// The requested stretch method (the audible one after the ~10 ms fade-out). Any
  /// thread, atomic.
  StretchMethod method() const noexcept;

  /// FILE position of the frame the consumer's next read() returns, in seconds from
  /// the start of the file (wraps at the end of the file or region when looping). Right under any tempo
  /// ratio and method: the producer publishes (file frames consumed minus what the
  /// decoder block, libsamplerate and SoundTouch still hold) for the end of the
  /// FIFO; this subtracts the frames still in the FIFO at the current file frames
  /// per device frame. Accurate to a few ms (SoundTouch's sequence granularity).
  /// Any thread; wait-free (seqlock snapshot + atomic loads).
  double file_position_seconds() const noexcept;
  /// File description (immutable after open()).
  const SourceInfo& info() const noexcept { return info_; }
  /// Validated configuration (immutable after open()).
  const SourceConfig& config() const noexcept { return cfg_; }
  /// FIFO capacity in device frames (cfg.fifo_frames rounded up to a power of two).
  std::size_t fifo_capacity() const noexcept { return ring_.capacity(); }
  /// Decode/resampler errors that ended the stream (0 or 1 per source). Atomic.
  std::uint64_t decode_errors() const noexcept;
  /// Message of the error that ended the stream; empty if none. Written by the
  /// producer before it sets input_ended(): read it only after input_ended()
  /// returned true (or from the producer thread). Allocates: not real-time.
  std::string last_error() const;

 private:
  FileSource(const SourceConfig& cfg, std::unique_ptr<SndfileDecoder> decoder,
             std::unique_ptr<SamplerateResampler> resampler);

  enum class Fade { none, out, in };
  // What one produce step did.
  struct Step {
    std::size_t frames = 0;   // frames written to out_buf_
    bool progressed = false;  // input consumed or output made
    bool done = false;        // the path is exhausted (end of stream)
  };

  // Producer helpers.
  bool refill_input();                            // decodes the next block; false at end of input
  void note_error(std::string message) noexcept;  // first error only
  void apply_requests();                          // tempo / method requests
  caf::expected<void> configure_ratio();          // SRC ratio for the active method
  caf::expected<Step> produce_playback_rate(std::size_t cap);
  caf::expected<Step> produce_soundtouch(std::size_t cap);
  caf::expected<SamplerateResampler::Result> run_resampler(float* out, std::size_t cap);
  void switch_method();               // at the bottom of the dip
  double write_end_position() const;  // file frame of the next frame into the FIFO
  double wrap(double file_frame) const noexcept;
  void apply_fade(float* buf, std::size_t frames) noexcept;
  void publish_position() noexcept;

  const SourceConfig cfg_;
  const SourceInfo info_;
  std::unique_ptr<SndfileDecoder> decoder_;
  std::unique_ptr<SamplerateResampler> resampler_;
  std::unique_ptr<SoundTouchStretcher> stretcher_;
  rt::SpscRing ring_;
  const double base_ratio_;        // device rate / file rate
  const std::size_t fade_frames_;  // kSwitchFadeSeconds at the device rate

  // Producer-only state.
  std::vector<float> decode_buf_;  // kDecodeBlockFrames × file channels
  std::vector<float> mapped_buf_;  // kDecodeBlockFrames × device channels
  std::vector<float> out_buf_;     // kOutputBlockFrames × device channels
  std::vector<float> stage_buf_;   // kOutputBlockFrames × device channels (SRC → SoundTouch)
  StretchMethod active_method_;    // the path producing output now
  double applied_tempo_ = 1.0;     // tempo the active path runs at
  double prev_src_ratio_ = 1.0;    // ratio libsamplerate ended its last call at
  double src_out_pos_ = 0.0;       // file frame reached by libsamplerate's output
  double wrap_frames_ = 0.0;       // loop length once a loop happened (0: unknown)
  double wrap_begin_ = 0.0;        // file frame the loop restarts at
  bool src_done_ = false;          // soundtouch path: libsamplerate tail flushed
  bool st_flushed_ = false;        // soundtouch path: SoundTouch flushed
  Fade fade_ = Fade::none;
  std::size_t fade_pos_ = 0;    // frames into the current fade
  std::size_t in_offset_ = 0;   // first unconsumed frame in mapped_buf_
  std::size_t in_pending_ = 0;  // mapped frames not yet consumed by the resampler
  bool end_of_input_ = false;   // decoder exhausted (no loop): flushing the tail
  bool error_noted_ = false;
  std::string last_error_;

  // Shared.
  std::atomic<bool> ended_{false};
  std::atomic<bool> loop_{false};
  std::atomic<std::int64_t> frames_written_{0};
  std::atomic<std::int64_t> frames_read_{0};
  struct PresentationMark {
    std::int64_t frames_read = 0;  // consumer position at the mark
    std::int64_t pts_ns = 0;       // mesh time that frame reaches the DAC; 0 = no mark
  };
  rt::Seqlock<PresentationMark> presentation_;
  std::atomic<std::uint64_t> decode_errors_{0};
  std::atomic<double> tempo_req_{1.0};
  std::atomic<int> method_req_{0};
  // Position snapshot (seqlock: odd = being written): file frame at the FIFO's
  // write end, frames_written at that moment, file frames per device frame, wrap.
  std::atomic<std::uint32_t> pos_seq_{0};
  std::atomic<double> pos_file_frame_{0.0};
  std::atomic<std::int64_t> pos_written_{0};
  std::atomic<double> pos_per_frame_{1.0};
  std::atomic<double> pos_wrap_{0.0};
  std::atomic<double> pos_wrap_begin_{0.0};
};

}  // namespace crowdmesh::stretch
