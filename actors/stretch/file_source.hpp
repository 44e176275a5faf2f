#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "common/frame_reader.hpp"
#include "rt/spsc_ring.hpp"
#include "stretch/resampler_quality.hpp"
#include "stretch/samplerate_resampler.hpp"
#include "stretch/sndfile_decoder.hpp"
#include "stretch/source_config.hpp"
#include "stretch/source_info.hpp"

namespace crowdmesh::stretch {

/// One source file read ahead of the play head:
/// file → decode (SndfileDecoder, blocks of kDecodeBlockFrames) → channel map
/// (map_channels(), see channel_map.hpp) → resample to the device rate
/// (SamplerateResampler) → FIFO (rt::SpscRing) → consumer (the mixer).
///
/// Memory is bounded and independent of file length: the FIFO
/// (fifo_capacity() × device_channels floats) plus three blocks and the codec and
/// converter state. The file is never decoded as a whole.
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

  /// Opens and validates `path` with `cfg`; decodes nothing except what validation
  /// needs, then seeks to cfg.start_frame. Errors (sentence names the thing):
  ///  - errc::value_out_of_range: cfg.device_channels outside 1..8, cfg.device_rate_hz
  ///    outside 8000..384000, cfg.fifo_frames outside 256..16777216, or
  ///    cfg.start_frame outside 0..file_frames (value and range in the sentence);
  ///  - errc::file_not_found: nothing at the path (sentence has the absolute path);
  ///  - errc::unreadable_file: libsndfile refuses the file (path + libsndfile's message);
  ///  - errc::unsupported_channels: file channels outside 1..8 (count and range);
  ///  - errc::unsupported_format: file rate ≤ 0, or file/device rate ratio outside
  ///    libsamplerate's 1/256..256.
  /// Allocates (FIFO, blocks, src_new): not real-time. Never throws.
  static caf::expected<std::unique_ptr<FileSource>> open(const std::string& path,
                                                         const SourceConfig& cfg);

  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // ---- producer side: exactly one reader thread ----

  /// Decodes, maps and resamples until the FIFO is full, `max_frames` device frames
  /// were written, or the input ended; returns device frames written to the FIFO.
  /// At end of file: with loop() set, seeks to file frame 0 and continues without
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
  std::int64_t frames_read() const noexcept override;

  // ---- any thread ----

  /// Sets looping; takes effect at the next end of file seen by fill(). Has no
  /// effect once input_ended() is true. Atomic.
  void set_loop(bool loop) noexcept;
  /// Current loop flag. Atomic.
  bool loop() const noexcept;
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

  // Producer helpers.
  bool refill_input();  // decodes the next block; false at end of input
  void note_error(std::string message) noexcept;  // first error only

  const SourceConfig cfg_;
  const SourceInfo info_;
  std::unique_ptr<SndfileDecoder> decoder_;
  std::unique_ptr<SamplerateResampler> resampler_;
  rt::SpscRing ring_;

  // Producer-only state.
  std::vector<float> decode_buf_;  // kDecodeBlockFrames × file channels
  std::vector<float> mapped_buf_;  // kDecodeBlockFrames × device channels
  std::vector<float> out_buf_;     // kOutputBlockFrames × device channels
  std::size_t in_offset_ = 0;      // first unconsumed frame in mapped_buf_
  std::size_t in_pending_ = 0;     // mapped frames not yet consumed by the resampler
  bool end_of_input_ = false;      // decoder exhausted (no loop): flushing the tail
  bool error_noted_ = false;
  std::string last_error_;

  // Shared.
  std::atomic<bool> ended_{false};
  std::atomic<bool> loop_{false};
  std::atomic<std::int64_t> frames_written_{0};
  std::atomic<std::int64_t> frames_read_{0};
  std::atomic<std::uint64_t> decode_errors_{0};
};

}  // namespace crowdmesh::stretch
