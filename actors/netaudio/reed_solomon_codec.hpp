#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace crowdmesh::netaudio {

/// Largest block the FEC accepts: source packets (K) and repair packets (M)
/// per block. K + M ≤ 255 holds (GF(2^8) Reed–Solomon).
constexpr int kMaxFecSourcePackets = 64;
constexpr int kMaxFecRepairPackets = 64;

/// Systematic Reed–Solomon erasure code over GF(2^8) with a Cauchy generator
/// matrix: K source symbols (equal-length byte strings) give M repair
/// symbols, and any K of the K + M symbols give back every source symbol.
/// This is the code of RFC 6865 ("Simple Reed-Solomon FEC Scheme for
/// FECFRAME", the model of Roc Toolkit's RS8M scheme), with a Cauchy matrix
/// instead of RFC 6865's Vandermonde-derived one.
///
/// Backend: Intel ISA-L (libisal, `<isa-l/erasure_code.h>`):
/// gf_gen_cauchy1_matrix() builds the (K+M)×K generator (identity on top, so
/// the code is systematic; every K×K sub-matrix of a Cauchy matrix is
/// invertible), ec_init_tables() + ec_encode_data() encode, and decoding
/// inverts the K×K sub-matrix of the symbols received with
/// gf_invert_matrix() and multiplies. ISA-L is used directly because it is
/// maintained, fast (SIMD on x86_64 and NEON/SVE on arm64, the Pi) and
/// packaged by Debian on both; liberasurecode is a plug-in wrapper around
/// backends such as ISA-L and would add a layer and dynamic loading for
/// nothing. This class is the only place that includes ISA-L.
///
/// Thread contract: one thread at a time. encode() and decode() never
/// allocate, lock or make a syscall; they use tables made by the constructor.
class ReedSolomonCodec {
 public:
  /// Makes the generator matrix and encode tables of a (K, M) code.
  /// Requires 1 ≤ k ≤ kMaxFecSourcePackets, 1 ≤ m ≤ kMaxFecRepairPackets
  /// (a programming error otherwise: the values are clamped into range).
  /// Allocates: not real-time.
  ReedSolomonCodec(int k, int m);

  /// K: source symbols per block.
  int k() const noexcept { return k_; }
  /// M: repair symbols per block.
  int m() const noexcept { return m_; }

  /// Computes the M repair symbols of `bytes` bytes each from the K source
  /// symbols `sources[0..K)` into `repairs[0..M)`. Buffers must not overlap.
  void encode(std::size_t bytes, const std::uint8_t* const* sources, std::uint8_t* const* repairs) noexcept;

  /// Rebuilds source symbols from exactly K received ones.
  /// `present_index[0..K)`: symbol indices, distinct, in 0..K+M (0..K−1 =
  /// source i, K+j = repair j), with their data `present[0..K)`;
  /// `wanted_index[0..wanted)`: source indices (0..K−1) to rebuild into
  /// `out[0..wanted)` (`bytes` each). Returns false (nothing written) on a
  /// bad index, a duplicate or a singular matrix (which a Cauchy generator
  /// never gives).
  bool decode(std::size_t bytes, const int* present_index, const std::uint8_t* const* present, int wanted,
              const int* wanted_index, std::uint8_t* const* out) noexcept;

 private:
  int k_;
  int m_;
  std::vector<std::uint8_t> generator_;      // (K+M)×K, row-major
  std::vector<std::uint8_t> encode_tables_;  // ec_init_tables of the M repair rows: 32·K·M
  std::vector<std::uint8_t> sub_;            // K×K rows of the received symbols (destroyed by inversion)
  std::vector<std::uint8_t> inverse_;        // K×K
  std::vector<std::uint8_t> decode_rows_;    // wanted×K
  std::vector<std::uint8_t> decode_tables_;  // 32·K·K
  std::vector<std::uint8_t*> in_ptrs_;       // K
  std::vector<std::uint8_t*> out_ptrs_;      // K
};

}  // namespace crowdmesh::netaudio
