#include "netaudio/rtp_packet.hpp"

#include <cstring>

namespace crowdmesh::netaudio {

namespace {

inline std::uint16_t rd16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
inline std::uint32_t rd32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}
inline void wr16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void wr32(std::uint8_t* p, std::uint32_t v) noexcept {
  wr16(p, static_cast<std::uint16_t>(v >> 16));
  wr16(p + 2, static_cast<std::uint16_t>(v));
}

RtpParseResult fail(RtpError e) noexcept {
  RtpParseResult r;
  r.error = e;
  return r;
}

}  // namespace

const char* to_string(RtpError e) noexcept {
  switch (e) {
    case RtpError::none: return "none";
    case RtpError::truncated: return "truncated";
    case RtpError::oversize: return "oversize";
    case RtpError::bad_version: return "bad version";
    case RtpError::bad_padding: return "bad padding";
    case RtpError::bad_extension: return "bad header extension";
    case RtpError::missing_extension: return "missing epoch/PTS extension";
    case RtpError::unknown_payload_type: return "unknown payload type";
    case RtpError::empty_payload: return "empty payload";
    case RtpError::partial_frame: return "payload not a whole number of frames";
    case RtpError::bad_opus_packet: return "bad Opus packet";
  }
  return "unknown";
}

RtpParseResult parse_rtp(const std::uint8_t* data, std::size_t size, const RtpStreamFormat& format) noexcept {
  if (size > kMaxRtpPacketBytes) return fail(RtpError::oversize);
  if (size < kRtpFixedHeaderBytes) return fail(RtpError::truncated);
  if ((data[0] >> 6) != 2) return fail(RtpError::bad_version);
  const bool padding = (data[0] & 0x20) != 0;
  const bool extension = (data[0] & 0x10) != 0;
  const std::size_t csrc_count = data[0] & 0x0F;

  RtpParseResult r;
  RtpHeader& h = r.packet.header;
  h.marker = (data[1] & 0x80) != 0;
  h.payload_type = data[1] & 0x7F;
  h.sequence = rd16(data + 2);
  h.timestamp = rd32(data + 4);
  h.ssrc = rd32(data + 8);

  std::size_t pos = kRtpFixedHeaderBytes + 4 * csrc_count;
  if (pos > size) return fail(RtpError::truncated);

  std::size_t end = size;
  if (padding) {
    const std::size_t pad = data[size - 1];
    if (pad == 0 || pad > size - pos) return fail(RtpError::bad_padding);
    end = size - pad;
  }

  bool has_epoch = false;
  bool has_pts = false;
  if (extension) {
    if (pos + 4 > end) return fail(RtpError::truncated);
    const std::uint16_t profile = rd16(data + pos);
    const std::size_t block = 4 * static_cast<std::size_t>(rd16(data + pos + 2));
    pos += 4;
    if (block > end - pos) return fail(RtpError::truncated);
    const std::size_t block_end = pos + block;
    if (profile == kOneByteExtensionProfile) {
      std::size_t i = pos;
      while (i < block_end) {
        const std::uint8_t b = data[i];
        if (b == 0) {  // padding byte between elements
          ++i;
          continue;
        }
        const std::uint8_t id = b >> 4;
        if (id == 15) break;  // reserved: stop parsing the block
        const std::size_t len = static_cast<std::size_t>(b & 0x0F) + 1;
        if (len > block_end - i - 1) return fail(RtpError::bad_extension);
        const std::uint8_t* v = data + i + 1;
        if (id == kEpochExtensionId) {
          if (len != 4) return fail(RtpError::bad_extension);
          h.epoch = rd32(v);
          has_epoch = true;
        } else if (id == kPtsExtensionId) {
          if (len != 8) return fail(RtpError::bad_extension);
          h.pts_ns = static_cast<std::uint64_t>(rd32(v)) << 32 | rd32(v + 4);
          has_pts = true;
        }
        i += 1 + len;
      }
    }
    pos = block_end;
  }

  RtpPacket& p = r.packet;
  if (h.payload_type == format.payload_type) {
    p.kind = PacketKind::source;
  } else if (format.repair_payload_type >= 0 && h.payload_type == format.repair_payload_type) {
    p.kind = PacketKind::repair;
  } else {
    return fail(RtpError::unknown_payload_type);
  }
  if (!has_epoch || !has_pts) return fail(RtpError::missing_extension);
  p.payload = data + pos;
  p.payload_bytes = end - pos;
  if (p.payload_bytes == 0) return fail(RtpError::empty_payload);
  if (p.kind == PacketKind::source && format.encoding == PcmEncoding::opus) {
    p.frames = opus_packet_frames(p.payload, p.payload_bytes);
    if (p.frames == 0) return fail(RtpError::bad_opus_packet);
  } else if (p.kind == PacketKind::source) {
    const std::size_t fb = format.frame_bytes();
    if (fb == 0 || p.payload_bytes % fb != 0) return fail(RtpError::partial_frame);
    p.frames = static_cast<std::uint32_t>(p.payload_bytes / fb);
  }
  return r;
}

std::uint32_t opus_packet_frames(const std::uint8_t* data, std::size_t size) noexcept {
  if (size == 0) return 0;
  const unsigned config = data[0] >> 3;
  // Samples per frame at 48 kHz (RFC 6716 §3.1, Table 2).
  std::uint32_t per_frame;
  if (config < 12) {  // SILK: 10, 20, 40, 60 ms
    static constexpr std::uint32_t silk[4] = {480, 960, 1920, 2880};
    per_frame = silk[config & 3];
  } else if (config < 16) {  // hybrid: 10, 20 ms
    per_frame = (config & 1) ? 960 : 480;
  } else {  // CELT: 2.5, 5, 10, 20 ms
    per_frame = 120u << (config & 3);
  }
  std::uint32_t count;
  switch (data[0] & 3) {
    case 0: count = 1; break;
    case 1:
    case 2: count = 2; break;
    default:
      if (size < 2) return 0;
      count = data[1] & 0x3F;
      break;
  }
  const std::uint32_t frames = per_frame * count;
  return frames == 0 || frames > 5760 ? 0 : frames;  // at most 120 ms (RFC 6716 §3.2.5)
}

std::size_t write_rtp_header(const RtpHeader& h, std::uint8_t* out, std::size_t capacity) noexcept {
  if (capacity < kRtpHeaderBytes) return 0;
  out[0] = 0x80 | 0x10;  // V=2, P=0, X=1, CC=0
  out[1] = static_cast<std::uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7F));
  wr16(out + 2, h.sequence);
  wr32(out + 4, h.timestamp);
  wr32(out + 8, h.ssrc);
  std::uint8_t* x = out + kRtpFixedHeaderBytes;
  wr16(x, kOneByteExtensionProfile);
  wr16(x + 2, (kRtpExtensionBytes - 4) / 4);
  x[4] = static_cast<std::uint8_t>(kEpochExtensionId << 4 | (4 - 1));
  wr32(x + 5, h.epoch);
  x[9] = static_cast<std::uint8_t>(kPtsExtensionId << 4 | (8 - 1));
  wr32(x + 10, static_cast<std::uint32_t>(h.pts_ns >> 32));
  wr32(x + 14, static_cast<std::uint32_t>(h.pts_ns));
  x[18] = 0;
  x[19] = 0;
  return kRtpHeaderBytes;
}

std::size_t write_rtp(const RtpHeader& h, const std::uint8_t* payload, std::size_t payload_bytes, std::uint8_t* out,
                      std::size_t capacity) noexcept {
  const std::size_t total = kRtpHeaderBytes + payload_bytes;
  if (total > capacity || total > kMaxRtpPacketBytes) return 0;
  write_rtp_header(h, out, capacity);
  if (payload_bytes > 0) std::memcpy(out + kRtpHeaderBytes, payload, payload_bytes);
  return total;
}

}  // namespace crowdmesh::netaudio
