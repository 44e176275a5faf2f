#include "stretch/channel_map.hpp"

#include <algorithm>
#include <cstring>

namespace crowdmesh::stretch {

void map_channels(const float* in, int in_channels, float* out, int out_channels, std::size_t frames) noexcept {
  const auto ic = static_cast<std::size_t>(in_channels);
  const auto oc = static_cast<std::size_t>(out_channels);
  if (ic == oc) {
    std::memcpy(out, in, frames * ic * sizeof(float));
    return;
  }
  if (ic == 1) {
    for (std::size_t f = 0; f < frames; ++f) std::fill_n(out + f * oc, oc, in[f]);
    return;
  }
  if (oc == 1) {
    const float scale = 1.0f / static_cast<float>(ic);
    for (std::size_t f = 0; f < frames; ++f) {
      float sum = 0.0f;
      for (std::size_t c = 0; c < ic; ++c) sum += in[f * ic + c];
      out[f] = sum * scale;
    }
    return;
  }
  if (ic < oc) {
    for (std::size_t f = 0; f < frames; ++f) {
      std::memcpy(out + f * oc, in + f * ic, ic * sizeof(float));
      std::fill_n(out + f * oc + ic, oc - ic, 0.0f);
    }
    return;
  }
  for (std::size_t f = 0; f < frames; ++f) {
    const float* src = in + f * ic;
    float extra = 0.0f;
    for (std::size_t c = oc; c < ic; ++c) extra += src[c];
    extra *= kFoldDownGain;
    for (std::size_t c = 0; c < oc; ++c) out[f * oc + c] = src[c] + extra;
  }
}

}  // namespace crowdmesh::stretch
