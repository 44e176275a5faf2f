#include "encoder/stream_encoder.hpp"
#include "common/strings.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "common/error.hpp"
#include "encoder/flac_stream_encoder.hpp"
#include "encoder/mp3_stream_encoder.hpp"
#include "encoder/opus_stream_encoder.hpp"

namespace crowdmesh::encoder {
namespace {

// Bitrates of MPEG-1 Layer III (ISO/IEC 11172-3), kb/s.
constexpr std::array<int, 14> kMp3Bitrates{32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320};
// Input rates LAME 3.100 encodes (MPEG-1, MPEG-2 and MPEG-2.5 sampling frequencies), Hz.
constexpr std::array<std::uint32_t, 9> kMp3Rates{8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000};

// Input rates accepted for Opus (libopusenc resamples to 48 kHz) and FLAC, Hz.
constexpr std::uint32_t kMinRateHz = 8000;
constexpr std::uint32_t kMaxRateHz = 192000;

caf::error out_of_range(Codec c, const std::string& what, long long value, const std::string& unit,
                        const std::string& allowed) {
  return make_error(errc::value_out_of_range, std::string(to_string(c)) + " " + what + " " + std::to_string(value) +
                                                  unit + " is out of range " + allowed);
}

caf::error check(const CodecSettings& s, PcmFormat f) {
  const Codec c = s.codec;
  if (c == Codec::mp3) {
    if (f.channels < 1 || f.channels > 2) return out_of_range(c, "channel count", f.channels, "", "1..2");
    if (std::find(kMp3Rates.begin(), kMp3Rates.end(), f.sample_rate_hz) == kMp3Rates.end())
      return out_of_range(c, "sample rate", f.sample_rate_hz, " Hz", "(allowed: " + join_numbers(kMp3Rates) + " Hz)");
    if (std::find(kMp3Bitrates.begin(), kMp3Bitrates.end(), s.bitrate_kbps) == kMp3Bitrates.end())
      return out_of_range(c, "bitrate", s.bitrate_kbps, " kb/s", "(allowed: " + join_numbers(kMp3Bitrates) + " kb/s)");
  } else {
    if (f.channels < 1 || f.channels > 8) return out_of_range(c, "channel count", f.channels, "", "1..8");
    if (f.sample_rate_hz < kMinRateHz || f.sample_rate_hz > kMaxRateHz)
      return out_of_range(c, "sample rate", f.sample_rate_hz, " Hz",
                          std::to_string(kMinRateHz) + ".." + std::to_string(kMaxRateHz) + " Hz");
  }
  if (c == Codec::opus && (s.bitrate_kbps < 6 || s.bitrate_kbps > 510))
    return out_of_range(c, "bitrate", s.bitrate_kbps, " kb/s", "6..510 kb/s");
  if (c == Codec::flac && (s.flac_level < 0 || s.flac_level > 8))
    return out_of_range(c, "compression level", s.flac_level, "", "0..8");
  if (c != Codec::flac && (s.complexity < 0 || s.complexity > 10))
    return out_of_range(c, "complexity", s.complexity, "", "0..10");
  return {};
}

}  // namespace

const char* to_string(Codec c) {
  switch (c) {
    case Codec::opus: return "opus";
    case Codec::flac: return "flac";
    case Codec::mp3: return "mp3";
  }
  return "unknown";
}

const char* content_type(Codec c) {
  switch (c) {
    case Codec::opus: return "audio/ogg";
    case Codec::flac: return "audio/flac";
    case Codec::mp3: return "audio/mpeg";
  }
  return "application/octet-stream";
}

const char* file_extension(Codec c) {
  switch (c) {
    case Codec::opus: return "opus";
    case Codec::flac: return "flac";
    case Codec::mp3: return "mp3";
  }
  return "bin";
}

caf::expected<std::unique_ptr<StreamEncoder>> make_stream_encoder(const CodecSettings& settings, PcmFormat format,
                                                                  ByteOutput& out, const StreamMetadata& meta) {
  if (auto err = check(settings, format)) return err;
  auto upcast = [](auto&& made) -> caf::expected<std::unique_ptr<StreamEncoder>> {
    if (!made) return std::move(made.error());
    return std::unique_ptr<StreamEncoder>(std::move(*made));
  };
  switch (settings.codec) {
    case Codec::opus: return upcast(OpusStreamEncoder::create(settings, format, out, meta));
    case Codec::flac: return upcast(FlacStreamEncoder::create(settings, format, out, meta));
    case Codec::mp3: return upcast(Mp3StreamEncoder::create(settings, format, out, meta));
  }
  return make_error(errc::value_out_of_range,
                    "codec " + std::to_string(static_cast<int>(settings.codec)) + " is out of range (opus, flac, mp3)");
}

}  // namespace crowdmesh::encoder
