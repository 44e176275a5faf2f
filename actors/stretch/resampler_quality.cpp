#include "stretch/resampler_quality.hpp"

#include "common/error.hpp"

namespace crowdmesh::stretch {

namespace {
constexpr ResamplerQuality kAll[] = {ResamplerQuality::sinc_best, ResamplerQuality::sinc_medium,
                                     ResamplerQuality::sinc_fastest, ResamplerQuality::zero_order_hold,
                                     ResamplerQuality::linear, ResamplerQuality::polyphase};
}  // namespace

std::string to_string(ResamplerQuality quality) {
  switch (quality) {
    case ResamplerQuality::sinc_best: return "sinc_best";
    case ResamplerQuality::sinc_medium: return "sinc_medium";
    case ResamplerQuality::sinc_fastest: return "sinc_fastest";
    case ResamplerQuality::zero_order_hold: return "zero_order_hold";
    case ResamplerQuality::linear: return "linear";
    case ResamplerQuality::polyphase: return "polyphase";
  }
  return "unknown";
}

caf::expected<ResamplerQuality> parse_resampler_quality(const std::string& text) {
  std::string allowed;
  for (auto q : kAll) {
    if (text == to_string(q)) return q;
    if (!allowed.empty()) allowed += ", ";
    allowed += to_string(q);
  }
  return make_error(errc::value_out_of_range, "unknown resampler quality \"" + text + "\"; allowed values: " + allowed);
}

}  // namespace crowdmesh::stretch
