#pragma once
// Keeping NaN and infinities out of the mix.
#include <cmath>
#include <cstddef>

namespace crowdmesh::dsp {

/// Replaces every NaN or ±inf sample of `samples` (any layout) by 0.0 and
/// returns how many there were. A single NaN that reaches a filter or the
/// limiter stays in its state and turns everything after it, every deck
/// included, into NaN; at the DAC that is silence or full-scale noise. Real-
/// time safe: noexcept, no allocation; one compare per sample.
inline std::size_t zero_nonfinite(float* samples, std::size_t count) noexcept {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!std::isfinite(samples[i])) {
      samples[i] = 0.0f;
      ++bad;
    }
  }
  return bad;
}

}  // namespace crowdmesh::dsp
