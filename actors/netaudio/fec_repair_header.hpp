#pragma once
#include <cstddef>
#include <cstdint>

#include "netaudio/reed_solomon_codec.hpp"
#include "netaudio/rtp_packet.hpp"

namespace crowdmesh::netaudio {

/// The payload header of a Crowdmesh FEC repair packet (an RTP packet of the
/// stream's repair payload type), big endian:
///
///     0: base_sequence  u16  RTP sequence number of the block's first source packet
///     2: k              u8   source packets in the block (K)
///     3: m              u8   repair packets in the block (M)
///     4: index          u8   which repair packet this is, 0..M−1
///     5: reserved       u8   0
///     6: symbol_bytes   u16  length of every symbol: the longest source packet of the block
///     8: lengths[k]     u16  length in bytes of each source packet (a whole RTP packet)
///     8 + 2k: the repair symbol, symbol_bytes bytes
///
/// A symbol is a whole source RTP packet (header, extension and payload),
/// zero-padded to symbol_bytes, so a rebuilt packet is byte-exact and parses
/// like one that arrived (the lengths strip the padding). The base sequence
/// and lengths play the role of RFC 6865's source FEC payload ID and ADU
/// length fields.
struct FecRepairHeader {
  std::uint16_t base_sequence = 0;                   ///< sequence number of the block's first source packet
  std::uint8_t k = 0;                                ///< source packets in the block
  std::uint8_t m = 0;                                ///< repair packets in the block
  std::uint8_t index = 0;                            ///< this repair packet, 0..m−1
  std::uint16_t symbol_bytes = 0;                    ///< bytes of every symbol
  std::uint16_t lengths[kMaxFecSourcePackets] = {};  ///< bytes of each source packet (first k used)
};

/// Bytes of the repair payload header for a block of `k` source packets: 8 + 2k.
constexpr std::size_t fec_repair_header_bytes(int k) noexcept { return 8 + 2 * static_cast<std::size_t>(k); }

/// Largest source packet (bytes) a block of `k` can protect so that its
/// repair packets stay within kMaxRtpPacketBytes.
constexpr std::size_t max_fec_source_packet_bytes(int k) noexcept {
  return kMaxRtpPacketBytes - kRtpHeaderBytes - fec_repair_header_bytes(k);
}

/// Why parse_fec_repair() refused a repair payload.
enum class FecRepairError : std::uint8_t {
  none = 0,
  truncated,      ///< shorter than its header or header + symbol
  bad_shape,      ///< k or m is 0 or above kMaxFecSourcePackets / kMaxFecRepairPackets, or index ≥ m
  bad_lengths,    ///< symbol_bytes is 0 or a source length is 0 or above symbol_bytes
  size_mismatch,  ///< payload longer than header + symbol_bytes
};

/// Short English name of `e`. Never null.
const char* to_string(FecRepairError e) noexcept;

/// Writes `h` (its first h.k lengths) into `out`; returns
/// fec_repair_header_bytes(h.k), or 0 when `capacity` is smaller. Pure, no allocation.
std::size_t write_fec_repair_header(const FecRepairHeader& h, std::uint8_t* out, std::size_t capacity) noexcept;

/// Reads a repair payload (RtpPacket::payload of a repair packet) into `h` and
/// points `symbol` at its symbol_bytes bytes (inside `payload`). Never reads
/// out of bounds. Pure, no allocation.
FecRepairError parse_fec_repair(const std::uint8_t* payload, std::size_t bytes, FecRepairHeader& h,
                                const std::uint8_t*& symbol) noexcept;

}  // namespace crowdmesh::netaudio
