#pragma once
#include <cstddef>
#include <cstdint>

namespace crowdmesh::netaudio {

/// Payload encodings of an RTP audio stream: linear PCM (L16, L24) or Opus.
/// (The name predates Opus; encode_pcm()/decode_pcm() handle the PCM ones,
/// netaudio/opus_payload.hpp the Opus one.)
enum class PcmEncoding : std::uint8_t {
  l16,   ///< 16-bit signed big-endian samples (RFC 3551 §4.5.11)
  l24,   ///< 24-bit signed big-endian samples (RFC 3190 §4)
  opus,  ///< one Opus frame per packet (RFC 7587 §4.2), RTP clock 48 kHz
};

/// True for the linear PCM encodings (a fixed number of bytes per sample).
constexpr bool is_pcm(PcmEncoding e) noexcept { return e != PcmEncoding::opus; }

/// Bytes per sample of `e`: 2 for L16, 3 for L24, 0 for Opus (variable-size frames).
constexpr std::size_t bytes_per_sample(PcmEncoding e) noexcept {
  return e == PcmEncoding::l16 ? 2 : e == PcmEncoding::l24 ? 3 : 0;
}

/// The rtpmap encoding name of `e` ("L16", "L24", "opus"; RFC 3551 §4.5.11,
/// RFC 3190 §4, RFC 7587 §7).
const char* encoding_name(PcmEncoding e) noexcept;

/// Writes `samples` floats (interleaved frames × channels; the layout is kept:
/// L16/L24 payloads are interleaved too, RFC 3551 §4.3) as big-endian PCM into
/// `out`, which must hold samples × bytes_per_sample(e) bytes. Full scale is
/// 1.0: a sample is scaled by 32768 (L16) or 8388608 (L24), rounded to the
/// nearest integer and clipped to the format's range; NaN becomes 0.
/// Returns the number of samples clipped. Opus is not PCM: nothing is written.
/// Real-time safe (no allocation), pure.
std::size_t encode_pcm(PcmEncoding e, const float* samples, std::size_t count, std::uint8_t* out) noexcept;

/// Reads `count` big-endian samples from `in` (count × bytes_per_sample(e)
/// bytes) into interleaved floats, scaled by 1/32768 (L16) or 1/8388608 (L24),
/// so that encode_pcm(decode_pcm(x)) == x bit for bit. Opus: nothing is
/// read or written. Real-time safe, pure.
void decode_pcm(PcmEncoding e, const std::uint8_t* in, std::size_t count, float* samples) noexcept;

}  // namespace crowdmesh::netaudio
