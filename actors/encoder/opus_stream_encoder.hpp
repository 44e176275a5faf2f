#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "caf/expected.hpp"
#include "encoder/byte_output.hpp"
#include "encoder/pcm_format.hpp"
#include "encoder/stream_encoder.hpp"

struct OggOpusEnc;

namespace crowdmesh::encoder {

/// Ogg/Opus StreamEncoder on libopusenc (RFC 6716 Opus in Ogg, RFC 7845).
///
/// Any input rate (libopusenc resamples to 48 kHz with the Speex resampler),
/// 1..8 channels (mapping family 0 for 1–2 channels, family 1 "Vorbis order"
/// surround for 3–8). VBR at CodecSettings::bitrate_kbps (OPUS_SET_BITRATE,
/// total over all channels), OPUS_SET_COMPLEXITY from CodecSettings::complexity,
/// OPUS_SIGNAL_MUSIC. Title/artist/album become the Vorbis comments TITLE,
/// ARTIST, ALBUM of the OpusTags header.
///
/// The encoder runs in libopusenc's pull mode (ope_encoder_create_pull): after
/// each encode() the finished Ogg pages are taken with ope_encoder_get_page()
/// and written to the ByteOutput, and flush() forces the page under
/// construction out (get_page with flush=1) — the callback mode of libopusenc
/// has no page flush besides drain. Latency towards the output:
///  - kDecisionDelaySamples48k (OPE_SET_DECISION_DELAY; libopusenc's default is
///    2 s) plus one 20 ms frame and the 6.5 ms Opus look-ahead stay inside the
///    encoder even after flush() (< 100 ms in all);
///  - without flush(), kMuxingDelaySamples48k (OPE_SET_MUXING_DELAY; default
///    1 s) bounds how long a packet waits for its page: complete pages reach
///    the output at least every 0.5 s on their own.
/// A stream whose process died after a flush() ends at its last complete page
/// and decodes (without the end-of-stream flag: players treat it like a live
/// stream that stopped).
///
/// Thread contract: one owner thread (see StreamEncoder). Not copyable.
class OpusStreamEncoder final : public StreamEncoder {
 public:
  /// Decision delay, samples at 48 kHz (60 ms): audio libopusenc holds back
  /// before encoding it (look-ahead for its music/speech analysis).
  static constexpr int kDecisionDelaySamples48k = 2880;
  /// Muxing delay, samples at 48 kHz (0.5 s): longest span of audio one Ogg
  /// page collects before it is completed.
  static constexpr int kMuxingDelaySamples48k = 24000;

  /// Creates the encoder and writes the two header pages (OpusHead, OpusTags)
  /// to `out` at once. `settings` and `format` are expected to be checked by
  /// make_stream_encoder(); libopusenc's refusals come back as errc::internal
  /// with its message, a refused header write as errc::io_error.
  static caf::expected<std::unique_ptr<OpusStreamEncoder>> create(const CodecSettings& settings, PcmFormat format,
                                                                  ByteOutput& out, const StreamMetadata& meta);

  ~OpusStreamEncoder() override;
  OpusStreamEncoder(const OpusStreamEncoder&) = delete;
  OpusStreamEncoder& operator=(const OpusStreamEncoder&) = delete;

  /// See StreamEncoder::encode(). NaN and ±inf samples are encoded as 0.
  caf::expected<void> encode(const float* interleaved, std::size_t frames) override;
  /// Forces the Ogg page under construction to the output (see class comment).
  caf::expected<void> flush() override;
  /// ope_encoder_drain(): encodes the held audio, writes the last page with the
  /// end-of-stream flag. Idempotent.
  caf::expected<void> finish() override;
  std::uint64_t frames_in() const override { return frames_in_; }
  std::uint64_t bytes_out() const override { return bytes_out_; }
  Codec codec() const override { return Codec::opus; }
  PcmFormat format() const override { return format_; }

 private:
  OpusStreamEncoder(PcmFormat format, ByteOutput& out);
  // Writes every page libopusenc has ready (forcing the current one when `force`).
  caf::expected<void> write_pages(bool force);
  caf::expected<void> usable() const;

  PcmFormat format_;
  ByteOutput& out_;
  OggOpusEnc* enc_ = nullptr;
  bool finished_ = false;
  std::uint64_t frames_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  std::vector<float> scratch_;
};

}  // namespace crowdmesh::encoder
