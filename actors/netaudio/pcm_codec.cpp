#include "netaudio/pcm_codec.hpp"

#include <cmath>

namespace crowdmesh::netaudio {

namespace {

// Scales, rounds and clips one sample to [lo, hi]; counts a clip.
inline std::int32_t quantize(float x, float scale, std::int32_t lo, std::int32_t hi, std::size_t& clipped) noexcept {
  if (std::isnan(x)) return 0;
  const float v = std::nearbyint(x * scale);
  if (v > static_cast<float>(hi)) {
    ++clipped;
    return hi;
  }
  if (v < static_cast<float>(lo)) {
    ++clipped;
    return lo;
  }
  return static_cast<std::int32_t>(v);
}

}  // namespace

const char* encoding_name(PcmEncoding e) noexcept {
  switch (e) {
    case PcmEncoding::l16: return "L16";
    case PcmEncoding::l24: return "L24";
    case PcmEncoding::opus: return "opus";
  }
  return "L24";
}

std::size_t encode_pcm(PcmEncoding e, const float* samples, std::size_t count, std::uint8_t* out) noexcept {
  std::size_t clipped = 0;
  if (e == PcmEncoding::opus) return 0;
  if (e == PcmEncoding::l16) {
    for (std::size_t i = 0; i < count; ++i) {
      const auto v = static_cast<std::uint32_t>(quantize(samples[i], 32768.0f, -32768, 32767, clipped));
      out[2 * i] = static_cast<std::uint8_t>(v >> 8);
      out[2 * i + 1] = static_cast<std::uint8_t>(v);
    }
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      const auto v = static_cast<std::uint32_t>(quantize(samples[i], 8388608.0f, -8388608, 8388607, clipped));
      out[3 * i] = static_cast<std::uint8_t>(v >> 16);
      out[3 * i + 1] = static_cast<std::uint8_t>(v >> 8);
      out[3 * i + 2] = static_cast<std::uint8_t>(v);
    }
  }
  return clipped;
}

void decode_pcm(PcmEncoding e, const std::uint8_t* in, std::size_t count, float* samples) noexcept {
  if (e == PcmEncoding::opus) return;
  if (e == PcmEncoding::l16) {
    for (std::size_t i = 0; i < count; ++i) {
      const auto v = static_cast<std::int16_t>(static_cast<std::uint16_t>(in[2 * i] << 8 | in[2 * i + 1]));
      samples[i] = static_cast<float>(v) / 32768.0f;
    }
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint8_t* s = in + 3 * i;
      // Sign-extend 24 to 32 bits by placing the sample in the top bytes.
      const auto v =
          static_cast<std::int32_t>(static_cast<std::uint32_t>(s[0]) << 24 | static_cast<std::uint32_t>(s[1]) << 16 |
                                    static_cast<std::uint32_t>(s[2]) << 8) >>
          8;
      samples[i] = static_cast<float>(v) / 8388608.0f;
    }
  }
}

}  // namespace crowdmesh::netaudio
