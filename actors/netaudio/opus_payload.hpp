#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "caf/error.hpp"
#include "caf/expected.hpp"
#include "netaudio/rtp_packet.hpp"

struct OpusEncoder;
struct OpusDecoder;

namespace crowdmesh::netaudio {

/// Largest Opus packet (RFC 6716 §3.2.1: 1275 bytes for one frame).
constexpr std::size_t kMaxOpusFrameBytes = 1275;
/// Largest decoded Opus packet: 120 ms at 48 kHz, frames.
constexpr std::uint32_t kMaxOpusPacketFrames = 5760;

/// Why `format` cannot be an Opus stream (no error when it can):
/// errc::unsupported_format when the rate is not 48000 Hz (RFC 7587 §4.1:
/// the RTP clock of Opus is 48 kHz whatever the audio's rate), naming the
/// rate; errc::unsupported_channels outside 1..2 (one Opus stream; RFC 7587
/// §7 signals mono/stereo only); errc::value_out_of_range naming the value
/// for a frame size other than 120/240/480/960 frames or a bitrate outside
/// 6000..510000 bits/s.
caf::error check_opus_format(const RtpStreamFormat& format);

/// One Opus encoder (libopus), RAII, for the sending thread of a stream:
/// OPUS_APPLICATION_AUDIO, format.opus_bitrate_bps (constrained VBR, the
/// libopus default), in-band FEC off and loss percentage 0 (the stream's
/// Reed–Solomon FEC repairs losses), complexity 5 (about half the CPU of the
/// default 10, so that a Raspberry Pi keeps up with stereo at 10 ms; the
/// quality difference at 128 kb/s is small).
class OpusPayloadEncoder {
 public:
  /// check_opus_format() errors, or errc::internal with libopus's message.
  static caf::expected<OpusPayloadEncoder> create(const RtpStreamFormat& format);

  OpusPayloadEncoder(OpusPayloadEncoder&&) noexcept = default;
  OpusPayloadEncoder& operator=(OpusPayloadEncoder&&) noexcept = default;

  /// Encodes frame_frames() interleaved frames of `pcm` (full scale 1.0) as
  /// one Opus packet of at most `capacity` bytes (capped at
  /// kMaxOpusFrameBytes) into `out`. Returns its size, or 0 on failure.
  /// No allocation (libopus works on the stack).
  std::size_t encode(const float* pcm, std::uint8_t* out, std::size_t capacity) noexcept;

  /// Frames the decoded signal lags the encoded one (OPUS_GET_LOOKAHEAD:
  /// 312 = 6.5 ms at 48 kHz for OPUS_APPLICATION_AUDIO).
  std::uint32_t lookahead_frames() const noexcept { return lookahead_; }
  /// Frames of every packet (format.opus_frame_frames).
  std::uint32_t frame_frames() const noexcept { return frame_frames_; }

 private:
  struct Destroy {
    void operator()(OpusEncoder* e) const noexcept;
  };
  OpusPayloadEncoder(OpusEncoder* e, std::uint32_t frame_frames, std::uint32_t lookahead) noexcept
      : enc_(e), frame_frames_(frame_frames), lookahead_(lookahead) {}
  std::unique_ptr<OpusEncoder, Destroy> enc_;
  std::uint32_t frame_frames_;
  std::uint32_t lookahead_;
};

/// One Opus decoder (libopus), RAII, for the thread that receives a stream.
class OpusPayloadDecoder {
 public:
  /// errc::unsupported_format when the rate is not 48000 Hz (naming it),
  /// errc::unsupported_channels outside 1..2, errc::internal with libopus's message.
  static caf::expected<OpusPayloadDecoder> create(const RtpStreamFormat& format);

  OpusPayloadDecoder(OpusPayloadDecoder&&) noexcept = default;
  OpusPayloadDecoder& operator=(OpusPayloadDecoder&&) noexcept = default;

  /// Decodes the Opus packet `data[0..bytes)` into at most `max_frames`
  /// interleaved float frames at `out`. Returns the frames decoded, or a
  /// negative libopus error code. opus_decode_float() does not allocate.
  int decode(const std::uint8_t* data, std::size_t bytes, float* out, std::uint32_t max_frames) noexcept;
  /// Forgets the decoder's state (OPUS_RESET_STATE): a new stream follows.
  void reset() noexcept;

 private:
  struct Destroy {
    void operator()(OpusDecoder* d) const noexcept;
  };
  explicit OpusPayloadDecoder(OpusDecoder* d) noexcept : dec_(d) {}
  std::unique_ptr<OpusDecoder, Destroy> dec_;
};

}  // namespace crowdmesh::netaudio
