#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "netaudio/fec_config.hpp"
#include "netaudio/fec_repair_header.hpp"
#include "netaudio/reed_solomon_codec.hpp"
#include "netaudio/rtp_packet.hpp"

namespace crowdmesh::netaudio {

/// Settings of the repair stream that goes with one audio stream.
struct FecEncoderConfig {
  FecConfig block;                          ///< K and M
  std::uint8_t repair_payload_type = 97;    ///< RtpStreamFormat::repair_payload_type of the stream
  std::uint32_t repair_ssrc = 0;            ///< SSRC of the repair packets (their own RTP stream)
  std::uint16_t first_repair_sequence = 0;  ///< sequence number of the first repair packet
};

/// Sender side of the FEC: collects K consecutive source packets (whole RTP
/// packets as RtpPacketizer writes them) and makes the block's M repair
/// packets (RTP packets of the repair payload type with a FecRepairHeader,
/// their own SSRC and sequence numbers; the timestamp, epoch and PTS of the
/// block's first source packet). The repair packets form their own RTP
/// stream, so the source stream's sequence numbers stay gap-free for
/// receivers without FEC (RFC 3550 §5.1, as RFC 6363 FECFRAME keeps source
/// and repair flows apart).
///
/// Thread contract: one thread. add_source() and write_repair() never
/// allocate, lock or make a syscall (the constructor allocates every buffer).
class FecEncoder {
 public:
  /// Allocates K + M symbol buffers. K and M are clamped into 1..kMaxFec*Packets.
  explicit FecEncoder(const FecEncoderConfig& config);

  /// Adds the next source packet: `packet[0..bytes)` with its header `h`
  /// (what RtpPacketizer::write() wrote). Sources of a block must have
  /// consecutive sequence numbers: a packet that does not follow the previous
  /// one starts a new block (the partial one is abandoned and counted).
  /// Returns false (nothing kept) when `bytes` is 0 or above
  /// max_fec_source_packet_bytes(K). When the packet completes a block the M
  /// repair packets are computed (ISA-L, O(K·M·bytes)) and repairs_ready()
  /// holds until the next add_source().
  bool add_source(const std::uint8_t* packet, std::size_t bytes, const RtpHeader& h) noexcept;

  /// True after add_source() completed a block, until the next add_source().
  bool repairs_ready() const noexcept { return ready_; }

  /// Writes repair packet `index` (0..M−1) of the completed block into `out`;
  /// returns its size in bytes, or 0 (nothing written) when no block is
  /// ready, `index` is out of range or `capacity` is too small. Each call
  /// with a new index uses the next repair sequence number.
  std::size_t write_repair(int index, std::uint8_t* out, std::size_t capacity) noexcept;

  /// K: source packets per block.
  int k() const noexcept { return codec_.k(); }
  /// M: repair packets per block.
  int m() const noexcept { return codec_.m(); }
  /// Blocks completed (repairs computed).
  std::uint64_t blocks() const noexcept { return blocks_; }
  /// Partial blocks abandoned because the sequence jumped.
  std::uint64_t abandoned_blocks() const noexcept { return abandoned_; }

 private:
  FecEncoderConfig config_;
  ReedSolomonCodec codec_;
  std::vector<std::uint8_t> symbols_;  // (K+M) × kMaxRtpPacketBytes: K sources, then M repairs
  std::vector<std::uint8_t*> source_ptrs_;
  std::vector<std::uint8_t*> repair_ptrs_;
  FecRepairHeader header_;
  RtpHeader first_;  // header of the block's first source packet
  int count_ = 0;    // sources in the current block
  bool ready_ = false;
  std::uint16_t repair_sequence_;
  std::uint64_t blocks_ = 0;
  std::uint64_t abandoned_ = 0;
};

}  // namespace crowdmesh::netaudio
