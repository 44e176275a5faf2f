#include "netaudio/fec_encoder.hpp"

#include <algorithm>
#include <cstring>

namespace crowdmesh::netaudio {

FecEncoder::FecEncoder(const FecEncoderConfig& config)
    : config_(config),
      codec_(config.block.source_packets, config.block.repair_packets),
      symbols_(static_cast<std::size_t>(codec_.k() + codec_.m()) * kMaxRtpPacketBytes),
      source_ptrs_(static_cast<std::size_t>(codec_.k())),
      repair_ptrs_(static_cast<std::size_t>(codec_.m())),
      repair_sequence_(config.first_repair_sequence) {
  for (int i = 0; i < codec_.k(); ++i) source_ptrs_[i] = &symbols_[static_cast<std::size_t>(i) * kMaxRtpPacketBytes];
  for (int j = 0; j < codec_.m(); ++j)
    repair_ptrs_[j] = &symbols_[static_cast<std::size_t>(codec_.k() + j) * kMaxRtpPacketBytes];
  header_.k = static_cast<std::uint8_t>(codec_.k());
  header_.m = static_cast<std::uint8_t>(codec_.m());
}

bool FecEncoder::add_source(const std::uint8_t* packet, std::size_t bytes, const RtpHeader& h) noexcept {
  if (bytes == 0 || bytes > max_fec_source_packet_bytes(codec_.k())) return false;
  ready_ = false;
  if (count_ > 0 && h.sequence != static_cast<std::uint16_t>(header_.base_sequence + count_)) {
    ++abandoned_;
    count_ = 0;
  }
  if (count_ == 0) {
    first_ = h;
    header_.base_sequence = h.sequence;
  }
  std::memcpy(source_ptrs_[count_], packet, bytes);
  header_.lengths[count_] = static_cast<std::uint16_t>(bytes);
  if (++count_ < codec_.k()) return true;

  std::size_t symbol = 0;
  for (int i = 0; i < codec_.k(); ++i) symbol = std::max<std::size_t>(symbol, header_.lengths[i]);
  for (int i = 0; i < codec_.k(); ++i)
    std::memset(source_ptrs_[i] + header_.lengths[i], 0, symbol - header_.lengths[i]);
  header_.symbol_bytes = static_cast<std::uint16_t>(symbol);
  codec_.encode(symbol, source_ptrs_.data(), repair_ptrs_.data());
  count_ = 0;
  ready_ = true;
  ++blocks_;
  return true;
}

std::size_t FecEncoder::write_repair(int index, std::uint8_t* out, std::size_t capacity) noexcept {
  if (!ready_ || index < 0 || index >= codec_.m()) return 0;
  const std::size_t head = fec_repair_header_bytes(codec_.k());
  const std::size_t total = kRtpHeaderBytes + head + header_.symbol_bytes;
  if (total > capacity) return 0;
  RtpHeader h;
  h.payload_type = config_.repair_payload_type;
  h.sequence = repair_sequence_++;
  h.timestamp = first_.timestamp;
  h.ssrc = config_.repair_ssrc;
  h.epoch = first_.epoch;
  h.pts_ns = first_.pts_ns;
  write_rtp_header(h, out, capacity);
  header_.index = static_cast<std::uint8_t>(index);
  write_fec_repair_header(header_, out + kRtpHeaderBytes, capacity - kRtpHeaderBytes);
  std::memcpy(out + kRtpHeaderBytes + head, repair_ptrs_[index], header_.symbol_bytes);
  return total;
}

}  // namespace crowdmesh::netaudio
