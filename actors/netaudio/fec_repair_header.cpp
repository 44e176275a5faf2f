#include "netaudio/fec_repair_header.hpp"

namespace crowdmesh::netaudio {

const char* to_string(FecRepairError e) noexcept {
  switch (e) {
    case FecRepairError::none: return "none";
    case FecRepairError::truncated: return "truncated repair payload";
    case FecRepairError::bad_shape: return "bad FEC block shape";
    case FecRepairError::bad_lengths: return "bad FEC symbol lengths";
    case FecRepairError::size_mismatch: return "repair payload size mismatch";
  }
  return "unknown";
}

std::size_t write_fec_repair_header(const FecRepairHeader& h, std::uint8_t* out, std::size_t capacity) noexcept {
  const std::size_t n = fec_repair_header_bytes(h.k);
  if (capacity < n || h.k > kMaxFecSourcePackets) return 0;
  out[0] = static_cast<std::uint8_t>(h.base_sequence >> 8);
  out[1] = static_cast<std::uint8_t>(h.base_sequence);
  out[2] = h.k;
  out[3] = h.m;
  out[4] = h.index;
  out[5] = 0;
  out[6] = static_cast<std::uint8_t>(h.symbol_bytes >> 8);
  out[7] = static_cast<std::uint8_t>(h.symbol_bytes);
  for (int i = 0; i < h.k; ++i) {
    out[8 + 2 * i] = static_cast<std::uint8_t>(h.lengths[i] >> 8);
    out[9 + 2 * i] = static_cast<std::uint8_t>(h.lengths[i]);
  }
  return n;
}

FecRepairError parse_fec_repair(const std::uint8_t* payload, std::size_t bytes, FecRepairHeader& h,
                                const std::uint8_t*& symbol) noexcept {
  if (bytes < 8) return FecRepairError::truncated;
  h.base_sequence = static_cast<std::uint16_t>(payload[0] << 8 | payload[1]);
  h.k = payload[2];
  h.m = payload[3];
  h.index = payload[4];
  h.symbol_bytes = static_cast<std::uint16_t>(payload[6] << 8 | payload[7]);
  if (h.k == 0 || h.k > kMaxFecSourcePackets || h.m == 0 || h.m > kMaxFecRepairPackets || h.index >= h.m)
    return FecRepairError::bad_shape;
  const std::size_t head = fec_repair_header_bytes(h.k);
  if (bytes < head) return FecRepairError::truncated;
  if (h.symbol_bytes == 0) return FecRepairError::bad_lengths;
  for (int i = 0; i < h.k; ++i) {
    h.lengths[i] = static_cast<std::uint16_t>(payload[8 + 2 * i] << 8 | payload[9 + 2 * i]);
    if (h.lengths[i] == 0 || h.lengths[i] > h.symbol_bytes) return FecRepairError::bad_lengths;
  }
  if (bytes < head + h.symbol_bytes) return FecRepairError::truncated;
  if (bytes > head + h.symbol_bytes) return FecRepairError::size_mismatch;
  symbol = payload + head;
  return FecRepairError::none;
}

}  // namespace crowdmesh::netaudio
