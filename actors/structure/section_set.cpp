#include "structure/section_set.hpp"

#include <cmath>
#include <cstdio>

namespace crowdmesh::structure {
namespace {

std::string quoted(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

SectionRow make_row(const StructTrack& t, const SectionCues& cues, double target_bpm) {
  SectionRow r;
  r.path = t.path;
  r.bpm = t.bpm;
  r.key = t.key;
  r.target_bpm = target_bpm;
  r.speed = target_bpm / t.bpm;
  r.ini_cue = cues.ini;
  r.begin_cue = cues.begin;
  r.end_cue = cues.end;
  r.begin_cue_adj = (cues.begin - cues.ini) / r.speed;
  r.end_cue_adj = (cues.end - cues.ini) / r.speed;
  r.duration_orig = cues.end - cues.ini;
  return r;
}

std::string format_mmss(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  // Round to hundredths first so 59.999 becomes 1:00.00, not 0:60.00.
  const long long hundredths = std::llround(seconds * 100);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%05.2f", hundredths / 6000, static_cast<double>(hundredths % 6000) / 100.0);
  return buf;
}

std::string sections_csv(const std::vector<SectionRow>& rows) {
  std::string out =
      "path,bpm,key,target_bpm,speed,ini_cue,begin_cue,end_cue,begin_cue_adj,end_cue_adj,duration_orig,"
      "duration_sectioned,part_file_orig,part_file\n";
  for (const auto& r : rows) {
    out += quoted(r.path) + "," + number(r.bpm) + "," + quoted(r.key) + "," + number(r.target_bpm) + "," +
           number(r.speed) + "," + number(r.ini_cue) + "," + number(r.begin_cue) + "," + number(r.end_cue) + "," +
           number(r.begin_cue_adj) + "," + number(r.end_cue_adj) + "," + format_mmss(r.duration_orig) + "," +
           format_mmss(r.duration_sectioned) + "," + quoted(r.part_file_orig) + "," + quoted(r.part_file) + "\n";
  }
  return out;
}

}  // namespace crowdmesh::structure
