#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "netaudio/fec_config.hpp"
#include "netaudio/fec_repair_header.hpp"
#include "netaudio/reed_solomon_codec.hpp"
#include "netaudio/rtp_packet.hpp"

namespace crowdmesh::netaudio {

/// Settings of a receiver's FEC decoder.
struct FecDecoderConfig {
  FecConfig block;         ///< K and M; must match the sender's (repair packets of another shape are dropped)
  int history_blocks = 4;  ///< blocks kept open at once (2..16): how far reordering may reach, in blocks
};

/// Counters of a FecDecoder since construction (reset() keeps them).
struct FecDecoderStats {
  std::uint64_t source_packets = 0;        ///< source packets added
  std::uint64_t repair_packets = 0;        ///< repair packets accepted
  std::uint64_t recovered_packets = 0;     ///< source packets rebuilt
  std::uint64_t recovered_blocks = 0;      ///< blocks in which at least one source packet was rebuilt
  std::uint64_t unrecoverable_blocks = 0;  ///< blocks closed (evicted or flushed) with sources missing and < K symbols
  std::uint64_t bad_repair = 0;            ///< repair payloads that do not parse or disagree with their block
  std::uint64_t shape_mismatch = 0;        ///< repair packets of another K/M than configured
  std::uint64_t stale = 0;                 ///< packets of an older epoch, or repairs of a block long closed
  std::uint64_t resets = 0;                ///< reset() calls and newer epochs seen
};

/// Receiver side of the FEC (see FecEncoder, FecRepairHeader): keeps the
/// recent source packets (a ring of history_blocks × K) and the repair
/// packets of the last history_blocks blocks; as soon as a block holds any K
/// of its K + M packets and misses a source packet, it rebuilds the missing
/// ones byte-exact (ReedSolomonCodec::decode). A block's shape (base
/// sequence, symbol and packet lengths) is learnt from its first repair
/// packet; sources may arrive before or after it, in any order.
/// Epochs: the first packet sets the epoch; a packet of a newer epoch
/// (serial order, RFC 1982) resets the decoder, one of an older epoch is
/// dropped (`stale`).
///
/// Thread contract: one thread. add(), flush() and reset() never allocate,
/// lock or make a syscall (buffers come from the constructor).
class FecDecoder {
 public:
  /// Allocates every buffer: about (history_blocks × (K + M) + K) × 1472 bytes.
  explicit FecDecoder(const FecDecoderConfig& config);

  /// Adds one parsed packet (`p`, from parse_rtp() of `datagram[0..size)`).
  /// Returns the number of source packets rebuilt by this packet, readable
  /// with recovered() until the next add(), flush() or reset(). Never throws;
  /// malformed repair payloads are counted and ignored.
  int add(const RtpPacket& p, const std::uint8_t* datagram, std::size_t size) noexcept;

  /// Rebuilt packet `i` (0..n−1 of the last add()): a whole RTP datagram to
  /// give to parse_rtp(), as the sender wrote it.
  const std::uint8_t* recovered_data(int i) const noexcept { return recovered_ptrs_[i]; }
  /// Size in bytes of rebuilt packet `i`.
  std::size_t recovered_size(int i) const noexcept { return recovered_sizes_[i]; }

  /// Closes every open block (a block still missing sources counts as
  /// unrecoverable), e.g. at the end of a stream.
  void flush() noexcept;
  /// Forgets every packet and the epoch (counted in `resets`).
  void reset() noexcept;

  /// Counters since construction. Same thread as add().
  const FecDecoderStats& stats() const noexcept { return stats_; }

 private:
  struct SourceSlot {
    bool valid = false;
    std::uint16_t sequence = 0;
    std::uint16_t bytes = 0;
    std::uint8_t* data = nullptr;
  };
  struct Block {
    bool used = false;
    bool done = false;
    FecRepairHeader shape;
    std::uint64_t repair_mask = 0;
    std::uint8_t* repairs = nullptr;  // M × kMaxRtpPacketBytes
  };

  bool accept_epoch(std::uint32_t epoch) noexcept;
  void add_source(const RtpPacket& p, const std::uint8_t* datagram, std::size_t size) noexcept;
  void add_repair(const RtpPacket& p) noexcept;
  Block* block_of(std::uint16_t sequence) noexcept;
  Block* open_block(std::uint16_t base) noexcept;
  void close(Block& b) noexcept;
  int sources_present(const Block& b, std::uint8_t* present) const noexcept;
  void try_decode(Block& b) noexcept;

  FecDecoderConfig config_;
  ReedSolomonCodec codec_;
  std::vector<std::uint8_t> storage_;
  std::vector<SourceSlot> ring_;
  std::size_t ring_mask_ = 0;
  std::vector<Block> blocks_;
  std::vector<std::uint8_t*> recovered_ptrs_;
  std::vector<std::size_t> recovered_sizes_;
  std::vector<const std::uint8_t*> present_ptrs_;
  std::vector<int> present_index_;
  std::vector<int> wanted_index_;
  int recovered_n_ = 0;
  bool has_epoch_ = false;
  std::uint32_t epoch_ = 0;
  bool has_newest_ = false;
  std::uint16_t newest_base_ = 0;
  FecDecoderStats stats_;
};

}  // namespace crowdmesh::netaudio
