#include "mesh/audio_chunk_codec.hpp"

#include <cstring>
#include <memory>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::mesh {

namespace {

// Little-endian hosts only (x86_64, arm64): samples are copied as they are.
static_assert(sizeof(float) == 4, "IEEE float expected");

int bytes_per_sample(v1::SampleFormat f) {
  switch (f) {
    case v1::SAMPLE_FORMAT_F32LE: return 4;
    case v1::SAMPLE_FORMAT_S16LE: return 2;
    case v1::SAMPLE_FORMAT_S24LE: return 3;
    default: return 0;
  }
}

caf::error out_of_range(const std::string& field, std::uint64_t value, const std::string& range) {
  return make_error(errc::value_out_of_range,
                    "audio chunk " + field + " " + std::to_string(value) + " is out of range (" + range + ")");
}

}  // namespace

v1::AudioChunk to_audio_chunk(const StreamChunk& c) {
  v1::AudioChunk out;
  out.set_stream_id(c.stream_id);
  out.set_sequence(c.sequence);
  out.set_pts_ns(c.block.pts_ns);
  out.set_first_frame(c.block.first_frame);
  out.set_sample_rate_hz(static_cast<std::uint32_t>(c.block.sample_rate_hz));
  out.set_channels(static_cast<std::uint32_t>(c.block.channels));
  out.set_frames(c.block.frames);
  out.set_format(v1::SAMPLE_FORMAT_F32LE);
  out.set_title(c.title);
  const std::size_t n = static_cast<std::size_t>(c.block.frames) * static_cast<std::size_t>(c.block.channels);
  if (c.block.samples && c.block.samples->size() >= n)
    out.set_payload(reinterpret_cast<const char*>(c.block.samples->data()), n * sizeof(float));
  return out;
}

caf::expected<StreamChunk> from_audio_chunk(const v1::AudioChunk& in) {
  if (in.frames() < 1 || in.frames() > kMaxChunkFrames)
    return out_of_range("frames", in.frames(), "1.." + std::to_string(kMaxChunkFrames));
  if (in.channels() < 1 || in.channels() > kMaxChunkChannels)
    return out_of_range("channels", in.channels(), "1.." + std::to_string(kMaxChunkChannels));
  if (in.sample_rate_hz() < 8000 || in.sample_rate_hz() > 384000)
    return out_of_range("sample_rate_hz", in.sample_rate_hz(), "8000..384000 Hz");
  const int bps = bytes_per_sample(in.format());
  if (bps == 0)
    return make_error(errc::unsupported_format, "audio chunk of stream '" + in.stream_id() +
                                                    "' has no sample format (F32LE, S16LE or S24LE expected)");
  const std::size_t n = static_cast<std::size_t>(in.frames()) * in.channels();
  if (in.payload().size() != n * static_cast<std::size_t>(bps))
    return out_of_range(
        "payload size", in.payload().size(),
        "expected frames × channels × " + std::to_string(bps) + " = " + std::to_string(n * bps) + " bytes");
  StreamChunk c;
  c.stream_id = in.stream_id();
  c.sequence = in.sequence();
  c.title = in.title();
  c.block.first_frame = in.first_frame();
  c.block.frames = in.frames();
  c.block.channels = static_cast<int>(in.channels());
  c.block.sample_rate_hz = static_cast<int>(in.sample_rate_hz());
  c.block.pts_ns = in.pts_ns();
  auto samples = std::make_shared<std::vector<float>>(n);
  const auto* p = reinterpret_cast<const unsigned char*>(in.payload().data());
  switch (in.format()) {
    case v1::SAMPLE_FORMAT_F32LE: std::memcpy(samples->data(), p, n * 4); break;
    case v1::SAMPLE_FORMAT_S16LE:
      for (std::size_t i = 0; i < n; ++i) {
        std::int16_t v;
        std::memcpy(&v, p + 2 * i, 2);
        (*samples)[i] = static_cast<float>(v) / 32768.0f;
      }
      break;
    default:
      for (std::size_t i = 0; i < n; ++i) {
        const unsigned char* s = p + 3 * i;
        std::int32_t v =
            static_cast<std::int32_t>(static_cast<std::uint32_t>(s[0]) << 8 | static_cast<std::uint32_t>(s[1]) << 16 |
                                      static_cast<std::uint32_t>(s[2]) << 24) >>
            8;
        (*samples)[i] = static_cast<float>(v) / 8388608.0f;
      }
  }
  c.block.samples = std::move(samples);
  return c;
}

}  // namespace crowdmesh::mesh
