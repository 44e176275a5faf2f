#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "caf/expected.hpp"
#include "encoder/byte_output.hpp"
#include "encoder/pcm_format.hpp"
#include "encoder/stream_encoder.hpp"

struct lame_global_struct;

namespace crowdmesh::encoder {

/// MP3 StreamEncoder on LAME 3.100 (MPEG Layer III).
///
/// CBR at CodecSettings::bitrate_kbps; LAME quality (0 best .. 9 fastest)
/// from the complexity as quality_from_complexity(). Input rates 8000, 11025,
/// 12000, 16000, 22050, 24000, 32000, 44100, 48000 Hz, encoded at that rate
/// (no resampling); below 32 kHz (MPEG-2/2.5) LAME clamps the bitrate to the
/// nearest one that version allows (≤ 160 / ≤ 64 kb/s). Mono (MPEG mode mono)
/// or stereo (joint stereo). Input is float, clipped to −1..1, NaN → 0, given to
/// lame_encode_buffer_interleaved_ieee_float (stereo) or
/// lame_encode_buffer_ieee_float (mono).
///
/// Title/artist/album go into an ID3v2 tag (id3tag_v2_only; non-ASCII text as
/// UTF-16) written at the start. On a seekable output LAME reserves its first
/// frame for the Info tag (lame_set_bWriteVbrTag), and finish() writes the
/// final tag (lame_get_lametag_frame: frame count, encoder delay and padding
/// for gapless playback) over that frame, right after the ID3v2 tag. On a
/// non-seekable output (a live stream) no Info frame is written.
///
/// MP3 frames reach the output as LAME completes them inside encode(); flush()
/// has nothing to push (LAME's own buffering is about two frames plus its
/// encoder delay, ≈ 60 ms at 48 kHz — lame_encode_flush would end the stream).
///
/// Thread contract: one owner thread (see StreamEncoder). Not copyable.
class Mp3StreamEncoder final : public StreamEncoder {
 public:
  /// LAME quality for an Opus-style complexity 0..10: 9 − round(complexity · 0.7),
  /// clamped to 0..9 (10 → 2, LAME's recommended "-q 2"; 0 → 9).
  static int quality_from_complexity(int complexity);

  /// Creates the encoder and writes the ID3v2 tag (if any tag is set) to `out`
  /// at once. `settings` and `format` are expected to be checked by
  /// make_stream_encoder(); LAME's refusals come back as errc::internal, a
  /// refused write as errc::io_error.
  static caf::expected<std::unique_ptr<Mp3StreamEncoder>> create(const CodecSettings& settings, PcmFormat format,
                                                                 ByteOutput& out, const StreamMetadata& meta);

  ~Mp3StreamEncoder() override;
  Mp3StreamEncoder(const Mp3StreamEncoder&) = delete;
  Mp3StreamEncoder& operator=(const Mp3StreamEncoder&) = delete;

  /// See StreamEncoder::encode().
  caf::expected<void> encode(const float* interleaved, std::size_t frames) override;
  /// Nothing to push (see class comment); reports nothing new.
  caf::expected<void> flush() override;
  /// lame_encode_flush() (pads the last frame) and, when seekable, the Info tag
  /// over the reserved first frame; the position is restored to the end.
  /// Errors: errc::io_error when the output refused bytes or the seek.
  /// Idempotent.
  caf::expected<void> finish() override;
  std::uint64_t frames_in() const override { return frames_in_; }
  std::uint64_t bytes_out() const override { return bytes_out_; }
  Codec codec() const override { return Codec::mp3; }
  PcmFormat format() const override { return format_; }

 private:
  Mp3StreamEncoder(PcmFormat format, ByteOutput& out);
  caf::expected<void> emit(const unsigned char* data, int n);

  PcmFormat format_;
  ByteOutput& out_;
  lame_global_struct* gfp_ = nullptr;
  bool info_tag_ = false;             // LAME reserved the first frame for the Info tag
  std::uint64_t first_frame_at_ = 0;  // byte offset of the first MP3 frame (after ID3v2)
  bool finished_ = false;
  std::uint64_t frames_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  std::vector<float> scratch_;
  std::vector<unsigned char> mp3buf_;
};

}  // namespace crowdmesh::encoder
