#pragma once
// Eight float lanes for the DSP's explicit vector code (GCC and Clang vector
// extension). Portable code splits each operation into two 128-bit ones
// (SSE2 on x86-64, NEON on arm64); a function compiled with
// __attribute__((target("avx2,fma"))) gets 256-bit AVX2 from the same source.
// No function takes or returns a lane vector by value: that would change its
// ABI with the instruction set (GCC's and Clang's -Wpsabi), so the helpers
// below write through references and are always inlined. A cast between
// two lane types of the same size reinterprets the bits (no conversion).
#include <cstdint>
#include <cstring>

namespace crowdmesh::dsp::lanes {

typedef float Lanes __attribute__((vector_size(32)));
constexpr int kLanes = 8;

/// Loads 8 floats from `p` (no alignment needed).
inline __attribute__((always_inline)) void load(Lanes& v, const float* p) noexcept { std::memcpy(&v, p, sizeof v); }
/// Stores 8 floats to `p` (no alignment needed).
inline __attribute__((always_inline)) void store(float* p, const Lanes& v) noexcept { std::memcpy(p, &v, sizeof v); }

// Four lanes: one 128-bit register on both targets (SSE2, NEON). Masks,
// comparisons and selects are written on these: GCC lowers a comparison on
// an 8-lane vector wider than the target's registers to scalar code.
typedef float Quad __attribute__((vector_size(16)));
typedef std::int32_t IntQuad __attribute__((vector_size(16)));
constexpr int kQuad = 4;

/// Loads 4 floats from `p` (no alignment needed).
inline __attribute__((always_inline)) void load(Quad& v, const float* p) noexcept { std::memcpy(&v, p, sizeof v); }
/// Stores 4 floats to `p` (no alignment needed).
inline __attribute__((always_inline)) void store(float* p, const Quad& v) noexcept { std::memcpy(p, &v, sizeof v); }

/// `m` = all ones in each lane whose sample is finite, 0 where it is NaN or
/// ±inf (IEEE 754 binary32: exponent bits all set).
inline __attribute__((always_inline)) void finite_mask(IntQuad& m, const Quad& x) noexcept {
  const IntQuad bits = (IntQuad)x & 0x7fffffff;
  m = bits < 0x7f800000;
}

/// `a` = |x| lane by lane (clears the sign bit).
inline __attribute__((always_inline)) void magnitude(Quad& a, const Quad& x) noexcept {
  const IntQuad bits = (IntQuad)x & 0x7fffffff;
  a = (Quad)bits;
}

/// Sum of the lanes of an integer count vector.
inline __attribute__((always_inline)) std::int64_t sum(const IntQuad& v) noexcept {
  return static_cast<std::int64_t>(v[0]) + v[1] + v[2] + v[3];
}

}  // namespace crowdmesh::dsp::lanes
