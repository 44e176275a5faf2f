#include "dsp/sanitize.hpp"

#include <cmath>

#include "dsp/sample_lanes.hpp"

namespace crowdmesh::dsp {

using namespace lanes;

std::size_t zero_nonfinite(float* samples, std::size_t count) noexcept {
  IntQuad finite_count = {};
  std::size_t i = 0;
  for (; i + kQuad <= count; i += kQuad) {
    Quad x;
    load(x, samples + i);
    IntQuad finite;
    finite_mask(finite, x);
    const IntQuad kept = (IntQuad)x & finite;
    store(samples + i, (Quad)kept);
    finite_count -= finite;  // finite lanes are -1
  }
  std::size_t bad = i - static_cast<std::size_t>(sum(finite_count));
  for (; i < count; ++i) {
    if (!std::isfinite(samples[i])) {
      samples[i] = 0.0f;
      ++bad;
    }
  }
  return bad;
}

std::size_t clamp_overs(float* samples, std::size_t count) noexcept {
  const Quad hi = Quad{} + kMaxSampleMagnitude;
  const Quad lo = -hi;
  IntQuad over_count = {};
  std::size_t i = 0;
  for (; i + kQuad <= count; i += kQuad) {
    Quad x;
    load(x, samples + i);
    const IntQuad above = x > hi, below = x < lo;
    x = above ? hi : x;
    x = below ? lo : x;
    store(samples + i, x);
    over_count -= above | below;
  }
  std::size_t over = static_cast<std::size_t>(sum(over_count));
  for (; i < count; ++i) {
    if (samples[i] > kMaxSampleMagnitude) {
      samples[i] = kMaxSampleMagnitude;
      ++over;
    } else if (samples[i] < -kMaxSampleMagnitude) {
      samples[i] = -kMaxSampleMagnitude;
      ++over;
    }
  }
  return over;
}

}  // namespace crowdmesh::dsp
