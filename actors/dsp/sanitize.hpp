#pragma once
// Keeping NaN and infinities out of the mix.
#include <cstddef>

namespace crowdmesh::dsp {

/// Replaces every NaN or ±inf sample of `samples` (any layout) by 0.0 and
/// returns how many there were. A single NaN that reaches a filter or the
/// limiter stays in its state and turns everything after it, every deck
/// included, into NaN; at the DAC that is silence or full-scale noise. Real-
/// time safe: noexcept, no allocation; 8 samples per step (dsp/sample_lanes.hpp).
std::size_t zero_nonfinite(float* samples, std::size_t count) noexcept;

/// Largest sample magnitude a deck passes on: +36 dBFS. A float file can hold
/// finite values up to 3.4e38; one of them through a +6 dB EQ band overflows
/// to inf and poisons the filter's state. Nothing musical comes near it.
inline constexpr float kMaxSampleMagnitude = 64.0f;

/// Clamps every sample to ±kMaxSampleMagnitude; returns how many were beyond
/// (NaN passes unchanged: zero_nonfinite's job). Real-time safe.
std::size_t clamp_overs(float* samples, std::size_t count) noexcept;

}  // namespace crowdmesh::dsp
