#include "netaudio/fec_decoder.hpp"

#include <algorithm>
#include <cstring>

namespace crowdmesh::netaudio {

FecDecoder::FecDecoder(const FecDecoderConfig& config)
    : config_(config), codec_(config.block.source_packets, config.block.repair_packets) {
  config_.history_blocks = std::clamp(config_.history_blocks, 2, 16);
  const int k = codec_.k();
  const int m = codec_.m();
  std::size_t ring = 2;
  while (ring < static_cast<std::size_t>(config_.history_blocks * k)) ring <<= 1;
  ring_mask_ = ring - 1;
  const std::size_t slots = ring + static_cast<std::size_t>(config_.history_blocks * m + k);
  storage_.assign(slots * kMaxRtpPacketBytes, 0);
  std::uint8_t* next = storage_.data();
  ring_.resize(ring);
  for (auto& s : ring_) {
    s.data = next;
    next += kMaxRtpPacketBytes;
  }
  blocks_.resize(static_cast<std::size_t>(config_.history_blocks));
  for (auto& b : blocks_) {
    b.repairs = next;
    next += static_cast<std::size_t>(m) * kMaxRtpPacketBytes;
  }
  recovered_ptrs_.resize(static_cast<std::size_t>(k));
  for (auto& r : recovered_ptrs_) {
    r = next;
    next += kMaxRtpPacketBytes;
  }
  recovered_sizes_.resize(static_cast<std::size_t>(k));
  present_ptrs_.resize(static_cast<std::size_t>(k));
  present_index_.resize(static_cast<std::size_t>(k));
  wanted_index_.resize(static_cast<std::size_t>(k));
}

int FecDecoder::add(const RtpPacket& p, const std::uint8_t* datagram, std::size_t size) noexcept {
  recovered_n_ = 0;
  if (!accept_epoch(p.header.epoch)) {
    ++stats_.stale;
    return 0;
  }
  if (p.kind == PacketKind::source)
    add_source(p, datagram, size);
  else
    add_repair(p);
  return recovered_n_;
}

bool FecDecoder::accept_epoch(std::uint32_t epoch) noexcept {
  if (!has_epoch_) {
    has_epoch_ = true;
    epoch_ = epoch;
    return true;
  }
  if (epoch == epoch_) return true;
  if (static_cast<std::int32_t>(epoch - epoch_) < 0) return false;
  reset();
  has_epoch_ = true;
  epoch_ = epoch;
  return true;
}

void FecDecoder::add_source(const RtpPacket& p, const std::uint8_t* datagram, std::size_t size) noexcept {
  if (size > kMaxRtpPacketBytes) return;  // parse_rtp() refuses these already
  ++stats_.source_packets;
  SourceSlot& s = ring_[p.header.sequence & ring_mask_];
  s.valid = true;
  s.sequence = p.header.sequence;
  s.bytes = static_cast<std::uint16_t>(size);
  std::memcpy(s.data, datagram, size);
  if (Block* b = block_of(p.header.sequence)) try_decode(*b);
}

void FecDecoder::add_repair(const RtpPacket& p) noexcept {
  FecRepairHeader h;
  const std::uint8_t* symbol = nullptr;
  if (parse_fec_repair(p.payload, p.payload_bytes, h, symbol) != FecRepairError::none) {
    ++stats_.bad_repair;
    return;
  }
  if (h.k != codec_.k() || h.m != codec_.m()) {
    ++stats_.shape_mismatch;
    return;
  }
  if (h.symbol_bytes > max_fec_source_packet_bytes(h.k)) {
    ++stats_.bad_repair;
    return;
  }
  Block* b = nullptr;
  for (auto& c : blocks_)
    if (c.used && c.shape.base_sequence == h.base_sequence) b = &c;
  if (b == nullptr) {
    b = open_block(h.base_sequence);
    if (b == nullptr) {
      ++stats_.stale;
      return;
    }
    b->shape = h;
  } else if (b->shape.symbol_bytes != h.symbol_bytes || !std::equal(h.lengths, h.lengths + h.k, b->shape.lengths)) {
    ++stats_.bad_repair;
    return;
  }
  if (b->repair_mask >> h.index & 1) return;  // a duplicate repair packet adds nothing
  ++stats_.repair_packets;
  b->repair_mask |= std::uint64_t{1} << h.index;
  std::memcpy(b->repairs + static_cast<std::size_t>(h.index) * kMaxRtpPacketBytes, symbol, h.symbol_bytes);
  try_decode(*b);
}

FecDecoder::Block* FecDecoder::block_of(std::uint16_t sequence) noexcept {
  for (auto& b : blocks_)
    if (b.used && static_cast<std::uint16_t>(sequence - b.shape.base_sequence) < codec_.k()) return &b;
  return nullptr;
}

FecDecoder::Block* FecDecoder::open_block(std::uint16_t base) noexcept {
  if (has_newest_) {
    const int ahead = static_cast<std::int16_t>(static_cast<std::uint16_t>(base - newest_base_));
    if (ahead <= -config_.history_blocks * codec_.k()) return nullptr;  // long closed
    if (ahead > 0) newest_base_ = base;
  } else {
    has_newest_ = true;
    newest_base_ = base;
  }
  Block* slot = nullptr;
  int oldest_age = -1;
  for (auto& b : blocks_) {
    if (!b.used) {
      slot = &b;
      break;
    }
    const int age = static_cast<std::uint16_t>(newest_base_ - b.shape.base_sequence);
    if (age > oldest_age) {
      oldest_age = age;
      slot = &b;
    }
  }
  if (slot->used) close(*slot);
  slot->used = true;
  slot->done = false;
  slot->repair_mask = 0;
  return slot;
}

void FecDecoder::close(Block& b) noexcept {
  if (b.used && !b.done && sources_present(b, nullptr) < codec_.k()) ++stats_.unrecoverable_blocks;
  b.used = false;
}

int FecDecoder::sources_present(const Block& b, std::uint8_t* present) const noexcept {
  int n = 0;
  for (int i = 0; i < codec_.k(); ++i) {
    const std::uint16_t seq = static_cast<std::uint16_t>(b.shape.base_sequence + i);
    const SourceSlot& s = ring_[seq & ring_mask_];
    const bool ok = s.valid && s.sequence == seq && s.bytes == b.shape.lengths[i];
    if (present) present[i] = ok ? 1 : 0;
    n += ok ? 1 : 0;
  }
  return n;
}

void FecDecoder::try_decode(Block& b) noexcept {
  if (b.done) return;
  const int k = codec_.k();
  std::uint8_t present[kMaxFecSourcePackets];
  const int sources = sources_present(b, present);
  if (sources == k) {
    b.done = true;
    return;
  }
  int repairs = 0;
  for (int j = 0; j < codec_.m(); ++j) repairs += static_cast<int>(b.repair_mask >> j & 1);
  if (sources + repairs < k) return;

  const std::size_t symbol = b.shape.symbol_bytes;
  int n = 0;
  int wanted = 0;
  for (int i = 0; i < k; ++i) {
    if (present[i]) {
      SourceSlot& s = ring_[static_cast<std::uint16_t>(b.shape.base_sequence + i) & ring_mask_];
      std::memset(s.data + s.bytes, 0, symbol - s.bytes);  // zero padding, as the encoder's
      present_index_[n] = i;
      present_ptrs_[n++] = s.data;
    } else {
      wanted_index_[wanted++] = i;
    }
  }
  for (int j = 0; j < codec_.m() && n < k; ++j) {
    if (!(b.repair_mask >> j & 1)) continue;
    present_index_[n] = k + j;
    present_ptrs_[n++] = b.repairs + static_cast<std::size_t>(j) * kMaxRtpPacketBytes;
  }
  if (!codec_.decode(symbol, present_index_.data(), present_ptrs_.data(), wanted, wanted_index_.data(),
                     recovered_ptrs_.data() + recovered_n_)) {
    return;
  }
  for (int w = 0; w < wanted; ++w) recovered_sizes_[recovered_n_ + w] = b.shape.lengths[wanted_index_[w]];
  recovered_n_ += wanted;
  stats_.recovered_packets += static_cast<std::uint64_t>(wanted);
  ++stats_.recovered_blocks;
  b.done = true;
}

void FecDecoder::flush() noexcept {
  recovered_n_ = 0;
  for (auto& b : blocks_) close(b);
  has_newest_ = false;
}

void FecDecoder::reset() noexcept {
  recovered_n_ = 0;
  for (auto& b : blocks_) {
    b.used = false;
    b.done = false;
    b.repair_mask = 0;
  }
  for (auto& s : ring_) s.valid = false;
  has_epoch_ = false;
  has_newest_ = false;
  ++stats_.resets;
}

}  // namespace crowdmesh::netaudio
