#include "stretch/stretch_method.hpp"

#include "common/error.hpp"

namespace crowdmesh::stretch {

namespace {
constexpr StretchMethod kAll[] = {StretchMethod::playback_rate, StretchMethod::soundtouch};
}  // namespace

std::string to_string(StretchMethod method) {
  switch (method) {
    case StretchMethod::playback_rate: return "playback_rate";
    case StretchMethod::soundtouch: return "soundtouch";
  }
  return "unknown";
}

caf::expected<StretchMethod> parse_stretch_method(const std::string& text) {
  std::string allowed;
  for (auto m : kAll) {
    if (text == to_string(m)) return m;
    if (!allowed.empty()) allowed += ", ";
    allowed += to_string(m);
  }
  return make_error(errc::value_out_of_range, "unknown stretch method \"" + text + "\"; allowed values: " + allowed);
}

}  // namespace crowdmesh::stretch
