#include "netaudio/reed_solomon_codec.hpp"

#include <algorithm>
#include <cstring>

#include <isa-l/erasure_code.h>

namespace crowdmesh::netaudio {

ReedSolomonCodec::ReedSolomonCodec(int k, int m)
    : k_(std::clamp(k, 1, kMaxFecSourcePackets)),
      m_(std::clamp(m, 1, kMaxFecRepairPackets)),
      generator_(static_cast<std::size_t>((k_ + m_) * k_)),
      encode_tables_(static_cast<std::size_t>(32 * k_ * m_)),
      sub_(static_cast<std::size_t>(k_ * k_)),
      inverse_(static_cast<std::size_t>(k_ * k_)),
      decode_rows_(static_cast<std::size_t>(k_ * k_)),
      decode_tables_(static_cast<std::size_t>(32 * k_ * k_)),
      in_ptrs_(static_cast<std::size_t>(k_)),
      out_ptrs_(static_cast<std::size_t>(k_)) {
  gf_gen_cauchy1_matrix(generator_.data(), k_ + m_, k_);
  ec_init_tables(k_, m_, generator_.data() + k_ * k_, encode_tables_.data());
}

void ReedSolomonCodec::encode(std::size_t bytes, const std::uint8_t* const* sources,
                              std::uint8_t* const* repairs) noexcept {
  for (int i = 0; i < k_; ++i) in_ptrs_[i] = const_cast<std::uint8_t*>(sources[i]);  // ISA-L only reads them
  for (int j = 0; j < m_; ++j) out_ptrs_[j] = repairs[j];
  ec_encode_data(static_cast<int>(bytes), k_, m_, encode_tables_.data(), in_ptrs_.data(), out_ptrs_.data());
}

bool ReedSolomonCodec::decode(std::size_t bytes, const int* present_index, const std::uint8_t* const* present,
                              int wanted, const int* wanted_index, std::uint8_t* const* out) noexcept {
  if (wanted < 0 || wanted > k_) return false;
  if (wanted == 0) return true;
  std::uint64_t seen[4] = {0, 0, 0, 0};  // 256 bits: one per symbol index
  for (int r = 0; r < k_; ++r) {
    const int idx = present_index[r];
    if (idx < 0 || idx >= k_ + m_) return false;
    if (seen[idx / 64] >> (idx % 64) & 1) return false;
    seen[idx / 64] |= std::uint64_t{1} << (idx % 64);
    std::memcpy(&sub_[static_cast<std::size_t>(r * k_)], &generator_[static_cast<std::size_t>(idx * k_)],
                static_cast<std::size_t>(k_));
    in_ptrs_[r] = const_cast<std::uint8_t*>(present[r]);
  }
  for (int w = 0; w < wanted; ++w)
    if (wanted_index[w] < 0 || wanted_index[w] >= k_) return false;
  if (gf_invert_matrix(sub_.data(), inverse_.data(), k_) < 0) return false;
  // Source i = row i of the generator's identity part, so its coefficients
  // over the received symbols are row i of the inverse.
  for (int w = 0; w < wanted; ++w) {
    std::memcpy(&decode_rows_[static_cast<std::size_t>(w * k_)],
                &inverse_[static_cast<std::size_t>(wanted_index[w] * k_)], static_cast<std::size_t>(k_));
    out_ptrs_[w] = out[w];
  }
  ec_init_tables(k_, wanted, decode_rows_.data(), decode_tables_.data());
  ec_encode_data(static_cast<int>(bytes), k_, wanted, decode_tables_.data(), in_ptrs_.data(), out_ptrs_.data());
  return true;
}

}  // namespace crowdmesh::netaudio
