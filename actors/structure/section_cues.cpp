#include "structure/section_cues.hpp"

#include <algorithm>
#include <cctype>

#include "common/error.hpp"

namespace crowdmesh::structure {
namespace {

bool is_intro(const std::string& label) {
  std::string l = label;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return l == "intro";
}

}  // namespace

std::optional<double> ini_cue(const StructTrack& t) {
  std::optional<double> ini;
  for (const auto& s : t.segments)
    if (is_intro(s.label)) ini = s.end;
  return ini;
}

std::optional<std::size_t> first_section_after_intro(const StructTrack& t) {
  const auto ini = ini_cue(t);
  if (!ini) return std::nullopt;
  for (std::size_t i = 0; i < t.segments.size(); ++i)
    if (t.segments[i].start >= *ini) return i;
  return std::nullopt;
}

caf::expected<SectionCues> section_cues(const StructTrack& t, int n) {
  if (n < 1)
    return make_error(errc::value_out_of_range,
                      "section " + std::to_string(n) + " is out of range; sections after the intro count from 1");
  const auto ini = ini_cue(t);
  if (!ini) {
    std::string labels;
    for (const auto& s : t.segments)
      if (labels.find("\"" + s.label + "\"") == std::string::npos)
        labels += (labels.empty() ? "" : ", ") + ("\"" + s.label + "\"");
    return make_error(errc::value_out_of_range, t.origin + ": no \"intro\" segment, so no section can be counted " +
                                                    "(labels: " + (labels.empty() ? "none" : labels) + ")");
  }
  const auto first = first_section_after_intro(t);
  const std::size_t after = first ? t.segments.size() - *first : 0;
  if (after < static_cast<std::size_t>(n))
    return make_error(errc::value_out_of_range, t.origin + ": " + std::to_string(after) +
                                                    " sections after the intro, and section " + std::to_string(n) +
                                                    " was asked for");
  const Segment& s = t.segments[*first + static_cast<std::size_t>(n) - 1];
  return SectionCues{*ini, s.start, s.end};
}

std::vector<double> downbeats_between(const StructTrack& t, double from, double to) {
  std::vector<double> out;
  for (double d : t.downbeats)
    if (d >= from && d < to) out.push_back(d);
  return out;
}

}  // namespace crowdmesh::structure
