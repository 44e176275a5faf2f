#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <FLAC/stream_encoder.h>

#include "caf/expected.hpp"
#include "encoder/byte_output.hpp"
#include "encoder/pcm_format.hpp"
#include "encoder/stream_encoder.hpp"

namespace crowdmesh::encoder {

/// FLAC StreamEncoder on libFLAC (FLAC__stream_encoder_init_stream with
/// write/seek/tell callbacks on the ByteOutput).
///
/// Samples are stored as 24-bit integers (kBitsPerSample): the mixer's float
/// bus keeps its headroom and low-level detail that 16 bits would dither
/// away. Conversion: round(x · 2^23) clipped to −2^23..2^23−1 (i.e. −1..1
/// full scale); NaN becomes 0. Compression level 0..8 via
/// FLAC__stream_encoder_set_compression_level (the `flac -0..-8` presets).
///
/// Metadata: STREAMINFO, a VORBIS_COMMENT block with TITLE/ARTIST/ALBUM (left
/// out when all are empty) and, on seekable outputs only, a SEEKTABLE of
/// kSeekPoints placeholder points. libFLAC does not fill placeholders, and the
/// total length is unknown while recording, so this class records one point
/// per kSeekPointSpacingSeconds itself (in the write callback: the frame that
/// holds each multiple of the spacing, as `flac -S 10s` — its first sample, its
/// byte offset after the metadata, its sample count) into the table object
/// libFLAC holds; finish() lets libFLAC rewrite STREAMINFO (total
/// samples, MD5) and that table. Points beyond kSeekPoints·spacing (2 h) stay
/// placeholders. A file whose process died before finish() has total samples
/// 0, an all-placeholder seek table and every complete frame: it decodes
/// (`flac -t` passes) up to its last complete frame.
///
/// Frames reach the output as soon as libFLAC has a full block (the presets'
/// 4096 frames at levels 3..8, 1152 at 0..2: 85 ms / 24 ms at 48 kHz; at rates
/// where that exceeds kMaxBlockMs the block is shortened to fit, a multiple of
/// 64 frames, at least 256). flush() cannot push a partial block (a fixed
/// block size stream has one block size) and does nothing; the audio held
/// back is less than one block.
///
/// Thread contract: one owner thread (see StreamEncoder). Not copyable.
class FlacStreamEncoder final : public StreamEncoder {
 public:
  /// Bits per stored sample.
  static constexpr unsigned kBitsPerSample = 24;
  /// Distance between seek points, s (as `flac -S 10s`).
  static constexpr unsigned kSeekPointSpacingSeconds = 10;
  /// Seek points reserved in the header (18 bytes each; 720 cover 2 h).
  static constexpr unsigned kSeekPoints = 720;
  /// Longest block, ms: bounds the audio a killed process loses.
  static constexpr unsigned kMaxBlockMs = 100;

  /// Creates the encoder and writes the metadata blocks to `out` at once.
  /// `settings` and `format` are expected to be checked by
  /// make_stream_encoder(); libFLAC's refusals come back as errc::internal with
  /// its state string, a refused header write as errc::io_error.
  static caf::expected<std::unique_ptr<FlacStreamEncoder>> create(const CodecSettings& settings, PcmFormat format,
                                                                  ByteOutput& out, const StreamMetadata& meta);

  ~FlacStreamEncoder() override;
  FlacStreamEncoder(const FlacStreamEncoder&) = delete;
  FlacStreamEncoder& operator=(const FlacStreamEncoder&) = delete;

  /// See StreamEncoder::encode(): 24-bit conversion as in the class comment.
  caf::expected<void> encode(const float* interleaved, std::size_t frames) override;
  /// Nothing to do: complete frames are already in the output (class comment).
  caf::expected<void> flush() override;
  /// FLAC__stream_encoder_finish(): encodes the partial block and, when the
  /// output is seekable, rewrites STREAMINFO (total samples, MD5) and the seek
  /// table. Errors: errc::io_error when the output refused bytes or a seek.
  /// Idempotent.
  caf::expected<void> finish() override;
  std::uint64_t frames_in() const override { return frames_in_; }
  std::uint64_t bytes_out() const override { return bytes_out_; }
  Codec codec() const override { return Codec::flac; }
  PcmFormat format() const override { return format_; }

 private:
  FlacStreamEncoder(PcmFormat format, ByteOutput& out);
  static FLAC__StreamEncoderWriteStatus write_cb(const FLAC__StreamEncoder*, const FLAC__byte buffer[], size_t bytes,
                                                 uint32_t samples, uint32_t current_frame, void* self);
  static FLAC__StreamEncoderSeekStatus seek_cb(const FLAC__StreamEncoder*, FLAC__uint64 offset, void* self);
  static FLAC__StreamEncoderTellStatus tell_cb(const FLAC__StreamEncoder*, FLAC__uint64* offset, void* self);
  caf::error state_error(const char* what) const;
  caf::expected<void> take_refusal();

  PcmFormat format_;
  ByteOutput& out_;
  FLAC__StreamEncoder* enc_ = nullptr;
  std::vector<FLAC__StreamMetadata*> metadata_;  // owned; libFLAC keeps pointers until finish
  FLAC__StreamMetadata* seek_table_ = nullptr;   // one of metadata_, or null
  unsigned seek_points_used_ = 0;
  std::uint64_t next_seek_sample_ = 0;
  std::uint64_t samples_written_ = 0;  // frames in complete FLAC frames so far
  std::uint64_t audio_offset_ = 0;     // byte offset of the first frame
  bool audio_started_ = false;
  bool rewriting_ = false;  // after the first seek: header rewrites, not counted
  bool refused_ = false;    // the output refused a write or seek since the last check
  bool finished_ = false;
  std::uint64_t frames_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  std::vector<FLAC__int32> scratch_;
};

}  // namespace crowdmesh::encoder
