#include "netaudio/opus_payload.hpp"

#include <opus.h>

#include <algorithm>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::netaudio {

namespace {

// Complexity 0..10: 5 halves the encoder's CPU against the default 10 (a
// Raspberry Pi encodes stereo 10 ms frames with room to spare).
constexpr int kOpusComplexity = 5;

caf::error check_rate_and_channels(const RtpStreamFormat& f) {
  if (f.sample_rate_hz != 48000)
    return make_error(errc::unsupported_format,
                      "an Opus stream runs at 48000 Hz (RFC 7587: RTP clock 48 kHz); this stream is at " +
                          std::to_string(f.sample_rate_hz) + " Hz");
  if (f.channels < 1 || f.channels > 2)
    return make_error(errc::unsupported_channels,
                      "an Opus stream has 1 or 2 channels; this stream has " + std::to_string(f.channels));
  return {};
}

}  // namespace

caf::error check_opus_format(const RtpStreamFormat& f) {
  if (auto err = check_rate_and_channels(f)) return err;
  const std::uint32_t n = f.opus_frame_frames;
  if (n != 120 && n != 240 && n != 480 && n != 960)
    return make_error(errc::value_out_of_range, "Opus frame size " + std::to_string(n) +
                                                    " frames is not 120, 240, 480 or 960 (2.5, 5, 10, 20 ms at 48 kHz)");
  if (f.opus_bitrate_bps < 6000 || f.opus_bitrate_bps > 510000)
    return make_error(errc::value_out_of_range,
                      "Opus bitrate " + std::to_string(f.opus_bitrate_bps) + " bits/s is outside 6000..510000");
  return {};
}

void OpusPayloadEncoder::Destroy::operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }
void OpusPayloadDecoder::Destroy::operator()(OpusDecoder* d) const noexcept { opus_decoder_destroy(d); }

caf::expected<OpusPayloadEncoder> OpusPayloadEncoder::create(const RtpStreamFormat& format) {
  if (auto err = check_opus_format(format)) return err;
  int rc = OPUS_OK;
  OpusEncoder* e = opus_encoder_create(48000, static_cast<int>(format.channels), OPUS_APPLICATION_AUDIO, &rc);
  if (rc != OPUS_OK || e == nullptr)
    return make_error(errc::internal, std::string("cannot create the Opus encoder: ") + opus_strerror(rc));
  OpusPayloadEncoder enc(e, format.opus_frame_frames, 0);
  opus_int32 lookahead = 0;
  if ((rc = opus_encoder_ctl(e, OPUS_SET_BITRATE(static_cast<opus_int32>(format.opus_bitrate_bps)))) != OPUS_OK ||
      (rc = opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(kOpusComplexity))) != OPUS_OK ||
      (rc = opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(0))) != OPUS_OK ||
      (rc = opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(0))) != OPUS_OK ||
      (rc = opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(&lookahead))) != OPUS_OK)
    return make_error(errc::internal, std::string("cannot configure the Opus encoder: ") + opus_strerror(rc));
  enc.lookahead_ = static_cast<std::uint32_t>(std::max<opus_int32>(0, lookahead));
  return enc;
}

std::size_t OpusPayloadEncoder::encode(const float* pcm, std::uint8_t* out, std::size_t capacity) noexcept {
  const auto max_bytes = static_cast<opus_int32>(std::min(capacity, kMaxOpusFrameBytes));
  const opus_int32 n = opus_encode_float(enc_.get(), pcm, static_cast<int>(frame_frames_), out, max_bytes);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

caf::expected<OpusPayloadDecoder> OpusPayloadDecoder::create(const RtpStreamFormat& format) {
  if (auto err = check_rate_and_channels(format)) return err;
  int rc = OPUS_OK;
  OpusDecoder* d = opus_decoder_create(48000, static_cast<int>(format.channels), &rc);
  if (rc != OPUS_OK || d == nullptr)
    return make_error(errc::internal, std::string("cannot create the Opus decoder: ") + opus_strerror(rc));
  return OpusPayloadDecoder(d);
}

int OpusPayloadDecoder::decode(const std::uint8_t* data, std::size_t bytes, float* out,
                               std::uint32_t max_frames) noexcept {
  return opus_decode_float(dec_.get(), data, static_cast<opus_int32>(bytes), out, static_cast<int>(max_frames), 0);
}

void OpusPayloadDecoder::reset() noexcept { opus_decoder_ctl(dec_.get(), OPUS_RESET_STATE); }

}  // namespace crowdmesh::netaudio
