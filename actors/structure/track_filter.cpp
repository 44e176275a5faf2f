#include "structure/track_filter.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>

#include "common/error.hpp"

namespace crowdmesh::structure {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

bool TrackFilter::matches(const StructTrack& t) const {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  if (bpm_min || bpm_max) {
    if (bpm_min) lo = *bpm_min;
    if (bpm_max) hi = *bpm_max;
  } else if (bpm) {
    lo = *bpm - delta;
    hi = *bpm + delta;
  }
  if (!(t.bpm >= lo && t.bpm <= hi)) return false;
  if (keys.empty()) return true;
  const std::string k = lower(trim(t.key));
  return std::any_of(keys.begin(), keys.end(), [&](const std::string& want) { return lower(want) == k; });
}

std::vector<std::string> parse_key_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!trim(item).empty()) out.push_back(trim(item));
  return out;
}

caf::expected<void> validate(const TrackFilter& f) {
  auto check = [](const char* option, const std::optional<double>& v) -> caf::expected<void> {
    if (v && !(std::isfinite(*v) && *v > 0 && *v <= 1000))
      return make_error(errc::value_out_of_range,
                        std::string(option) + " " + num(*v) + " is out of range; allowed: above 0, at most 1000 BPM");
    return caf::unit;
  };
  for (auto [o, v] : {std::pair<const char*, const std::optional<double>*>{"--bpm", &f.bpm},
                      {"--bpm-min", &f.bpm_min},
                      {"--bpm-max", &f.bpm_max}})
    if (auto ok = check(o, *v); !ok) return ok;
  if (!(std::isfinite(f.delta) && f.delta >= 0 && f.delta <= 500))
    return make_error(errc::value_out_of_range,
                      "--delta " + num(f.delta) + " is out of range; allowed: 0..500 BPM");
  if (f.bpm_min && f.bpm_max && *f.bpm_min > *f.bpm_max)
    return make_error(errc::value_out_of_range, "--bpm-min " + num(*f.bpm_min) + " is above --bpm-max " +
                                                    num(*f.bpm_max) + "; the range would be empty");
  return caf::unit;
}

std::vector<StructTrack> select_tracks(const std::vector<StructTrack>& tracks, const TrackFilter& f) {
  std::vector<StructTrack> out;
  for (const auto& t : tracks)
    if (f.matches(t)) out.push_back(t);
  std::sort(out.begin(), out.end(), [](const StructTrack& a, const StructTrack& b) { return a.path < b.path; });
  return out;
}

}  // namespace crowdmesh::structure
