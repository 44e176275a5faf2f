#pragma once
#include <cstddef>
#include <cstdint>

#include "netaudio/pcm_codec.hpp"

namespace crowdmesh::netaudio {

/// RTP fixed header size in bytes (RFC 3550 §5.1: V, P, X, CC, M, PT,
/// sequence number, timestamp, SSRC), without CSRCs.
constexpr std::size_t kRtpFixedHeaderBytes = 12;
/// Bytes of the header extension Crowdmesh writes (RFC 8285 §4.2 one-byte
/// form): the 0xBEDE profile word, then element ID 1 = epoch (u32, 4 bytes)
/// and element ID 2 = PTS of the packet's first frame (u64 mesh ns), big
/// endian, padded with zero bytes to whole 32-bit words: 4 + 1+4 + 1+8 + 2.
constexpr std::size_t kRtpExtensionBytes = 20;
/// Everything before the payload of a packet Crowdmesh writes: 32 bytes.
constexpr std::size_t kRtpHeaderBytes = kRtpFixedHeaderBytes + kRtpExtensionBytes;
/// Largest datagram accepted or written: the UDP payload of a 1500-byte
/// Ethernet MTU (1500 − 20 IPv4 − 8 UDP), so a packet is never fragmented.
constexpr std::size_t kMaxRtpPacketBytes = 1472;
/// RFC 8285 one-byte header extension profile ("defined by profile" = 0xBEDE).
constexpr std::uint16_t kOneByteExtensionProfile = 0xBEDE;
/// RFC 8285 element IDs of the Crowdmesh extension (fixed by this profile,
/// not negotiated with a=extmap: other receivers, ffmpeg among them, skip it).
constexpr std::uint8_t kEpochExtensionId = 1;
constexpr std::uint8_t kPtsExtensionId = 2;

/// What a stream's receiver expects (agreed out of band, e.g. in the SDP).
struct RtpStreamFormat {
  std::uint8_t payload_type = 96;           ///< dynamic PT of audio (source) packets, 0..127
  PcmEncoding encoding = PcmEncoding::l24;  ///< payload encoding of source packets
  std::uint32_t channels = 2;               ///< interleaved channels per frame, 1..32
  std::uint32_t sample_rate_hz = 48000;     ///< RTP clock = audio frame rate (RFC 3551 §4.5.11)
  int repair_payload_type = 97;             ///< dynamic PT of FEC repair packets; −1 = no FEC
  /// Opus: target bitrate of the encoder, bits/s (6000..510000; 128 kb/s is
  /// transparent for stereo music). Ignored for PCM.
  std::uint32_t opus_bitrate_bps = 128000;
  /// Opus: frames of one Opus frame = of one packet: 120, 240, 480 or 960
  /// (2.5, 5, 10, 20 ms at 48 kHz). Ignored for PCM.
  std::uint32_t opus_frame_frames = 480;
  /// Bytes per interleaved frame of payload: channels × bytes_per_sample (0 for Opus).
  std::size_t frame_bytes() const noexcept { return channels * bytes_per_sample(encoding); }
};

/// The fields of an RTP header Crowdmesh reads and writes. Version is always
/// 2 and CSRC count 0 on write; a received CSRC list is skipped.
struct RtpHeader {
  bool marker = false;            ///< M: first packet of a stream (epoch) or after a discontinuity
  std::uint8_t payload_type = 0;  ///< PT, 0..127
  std::uint16_t sequence = 0;     ///< sequence number, +1 per packet (RFC 3550 §5.1)
  std::uint32_t timestamp = 0;    ///< RTP timestamp: frame index of the first frame, in sample_rate_hz units
  std::uint32_t ssrc = 0;         ///< synchronisation source
  std::uint32_t epoch = 0;        ///< Crowdmesh extension: the sender's epoch; a newer epoch = a restarted sender
  std::uint64_t pts_ns = 0;       ///< Crowdmesh extension: mesh time at which the first frame is played, ns
};

/// Which stream of a session a packet belongs to, by its payload type.
enum class PacketKind : std::uint8_t {
  source,  ///< audio: RtpStreamFormat::payload_type
  repair,  ///< FEC repair: RtpStreamFormat::repair_payload_type
};

/// Why parse_rtp() refused a datagram.
enum class RtpError : std::uint8_t {
  none = 0,              ///< parsed
  truncated,             ///< shorter than its fixed header, CSRC list or header extension says
  oversize,              ///< longer than kMaxRtpPacketBytes
  bad_version,           ///< V is not 2
  bad_padding,           ///< P set but the padding count is 0 or runs into the header
  bad_extension,         ///< a one-byte extension element runs past its block, or epoch/PTS has the wrong length
  missing_extension,     ///< no Crowdmesh epoch and PTS elements
  unknown_payload_type,  ///< PT is neither the stream's audio nor its repair payload type
  empty_payload,         ///< no payload bytes
  partial_frame,         ///< audio payload is not a whole number of frames
  bad_opus_packet,       ///< Opus payload whose TOC byte (RFC 6716 §3.1) gives no valid frame count
};

/// A short English name of `e` ("truncated", ...), for logs and counters. Never null.
const char* to_string(RtpError e) noexcept;

/// A parsed packet. `payload` points into the datagram given to parse_rtp()
/// and is valid as long as that buffer is.
struct RtpPacket {
  RtpHeader header;                       ///< fixed header fields and the Crowdmesh extension
  PacketKind kind = PacketKind::source;   ///< by payload type
  const std::uint8_t* payload = nullptr;  ///< after header, CSRCs and extension; padding removed
  std::size_t payload_bytes = 0;
  /// Source packets: payload_bytes / frame_bytes() (PCM), the frames its TOC
  /// byte says (Opus, RFC 6716 §3.1); repair packets: 0.
  std::uint32_t frames = 0;
};

/// Result of parse_rtp(): `packet` is meaningful when `error == RtpError::none`.
struct RtpParseResult {
  RtpError error = RtpError::none;  ///< none when parsed
  RtpPacket packet;                 ///< the packet, when error is none
  /// True when the datagram parsed.
  bool ok() const noexcept { return error == RtpError::none; }
};

/// Parses one datagram as an RTP packet of a stream of `format` (RFC 3550
/// §5.1 fixed header, CSRC list skipped, RFC 3550 §5.3.1 header extension:
/// the RFC 8285 §4.2 one-byte form is read element by element, ID 0 is a
/// padding byte, ID 15 ends the block, unknown IDs are skipped; any other
/// profile is skipped whole; padding removed by the P bit's count).
/// Source packets must carry a non-empty payload of whole frames (PCM) or an
/// Opus packet with a valid TOC byte (Opus: not decoded here); both kinds
/// must carry the epoch and PTS elements. Never reads outside [data, data+size),
/// never allocates, never throws: any input is a valid call.
/// Thread-safe (pure).
RtpParseResult parse_rtp(const std::uint8_t* data, std::size_t size, const RtpStreamFormat& format) noexcept;

/// Samples per channel of the Opus packet `data[0..size)` at 48 kHz, from its
/// TOC byte and frame count (RFC 6716 §3.1, §3.2.5); 0 when it is empty or
/// malformed or holds more than 120 ms. No allocation; pure.
std::uint32_t opus_packet_frames(const std::uint8_t* data, std::size_t size) noexcept;

/// Writes the RTP fixed header (V=2, P=0, X=1, CC=0) and the Crowdmesh header
/// extension (epoch, PTS) of `h` into `out`: kRtpHeaderBytes bytes, after which
/// the caller writes the payload. Returns kRtpHeaderBytes, or 0 (nothing
/// written) when `capacity` is smaller. No allocation; thread-safe (pure).
std::size_t write_rtp_header(const RtpHeader& h, std::uint8_t* out, std::size_t capacity) noexcept;

/// Writes a whole packet (write_rtp_header() and then `payload_bytes` bytes of
/// `payload`) into `out`. Returns its size in bytes, or 0 (nothing written)
/// when it would not fit in `capacity` or exceed kMaxRtpPacketBytes.
/// No allocation; thread-safe (pure).
std::size_t write_rtp(const RtpHeader& h, const std::uint8_t* payload, std::size_t payload_bytes, std::uint8_t* out,
                      std::size_t capacity) noexcept;

}  // namespace crowdmesh::netaudio
