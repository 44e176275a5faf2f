#include "structure/struct_json.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace crowdmesh::structure {
namespace {

using nlohmann::json;

/// Carries one error sentence out of the field readers.
struct Bad {
  std::string sentence;
};

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& what) const { throw Bad{origin_ + ": " + what}; }

  double time(const json& v, const std::string& field) const {
    if (!v.is_number()) fail(field + " = " + v.dump() + " is not a number of seconds");
    const double t = v.get<double>();
    if (!std::isfinite(t)) fail(field + " is not finite");
    if (t < 0) fail(field + " = " + num(t) + " is negative; times count seconds from the start of the file");
    return t;
  }

  std::vector<double> times(const json& doc, const char* field) const {
    std::vector<double> out;
    if (!doc.contains(field)) return out;
    const json& a = doc[field];
    if (!a.is_array()) fail(std::string(field) + " is " + a.type_name() + "; expected an array of seconds");
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string name = std::string(field) + "[" + std::to_string(i) + "]";
      out.push_back(time(a[i], name));
      if (i > 0 && out[i] < out[i - 1])
        fail(name + " = " + num(out[i]) + " comes before " + field + "[" + std::to_string(i - 1) + "] = " +
             num(out[i - 1]) + ": " + field + " must be in time order");
    }
    return out;
  }

  StructTrack read(const json& doc) const {
    if (!doc.is_object()) fail("the document is " + std::string(doc.type_name()) + "; expected a JSON object");
    StructTrack t;
    t.origin = origin_;
    if (!doc.contains("path")) fail("no `path` (the audio file analysed)");
    if (!doc["path"].is_string() || doc["path"].get<std::string>().empty())
      fail("path = " + doc["path"].dump() + " is not a file path");
    t.path = doc["path"].get<std::string>();
    if (!doc.contains("bpm")) fail("no `bpm` (the track's tempo)");
    if (!doc["bpm"].is_number()) fail("bpm = " + doc["bpm"].dump() + " is not a number");
    t.bpm = doc["bpm"].get<double>();
    if (!std::isfinite(t.bpm) || t.bpm <= 0 || t.bpm > 1000)
      fail("bpm = " + num(t.bpm) + " is out of range; allowed: above 0, at most 1000 BPM");
    if (doc.contains("key") && !doc["key"].is_null()) {
      if (!doc["key"].is_string()) fail("key = " + doc["key"].dump() + " is not a string (e.g. \"Gm\")");
      t.key = doc["key"].get<std::string>();
    }
    t.beats = times(doc, "beats");
    t.downbeats = times(doc, "downbeats");
    if (doc.contains("beat_positions")) {
      const json& a = doc["beat_positions"];
      if (!a.is_array()) fail("beat_positions is " + std::string(a.type_name()) + "; expected an array of integers");
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_number_integer() || a[i].get<long long>() < 1 || a[i].get<long long>() > 16)
          fail("beat_positions[" + std::to_string(i) + "] = " + a[i].dump() +
               " is not a beat of a bar; allowed: integers 1..16");
        t.beat_positions.push_back(a[i].get<int>());
      }
      if (!t.beat_positions.empty() && t.beat_positions.size() != t.beats.size())
        fail("beat_positions has " + std::to_string(t.beat_positions.size()) + " entries and beats " +
             std::to_string(t.beats.size()) + "; they must match");
    }
    if (!doc.contains("segments")) fail("no `segments` (the sections: [{start, end, label}, ...])");
    const json& segs = doc["segments"];
    if (!segs.is_array()) fail("segments is " + std::string(segs.type_name()) + "; expected an array");
    for (std::size_t i = 0; i < segs.size(); ++i) {
      const std::string name = "segments[" + std::to_string(i) + "]";
      const json& s = segs[i];
      if (!s.is_object()) fail(name + " is " + std::string(s.type_name()) + "; expected {start, end, label}");
      for (const char* k : {"start", "end", "label"})
        if (!s.contains(k)) fail(name + " has no `" + k + "`");
      Segment seg;
      seg.start = time(s["start"], name + ".start");
      seg.end = time(s["end"], name + ".end");
      if (!s["label"].is_string()) fail(name + ".label = " + s["label"].dump() + " is not a string");
      seg.label = s["label"].get<std::string>();
      if (seg.end <= seg.start)
        fail(name + " ends at " + num(seg.end) + " s, not after its start " + num(seg.start) + " s");
      if (!t.segments.empty() && seg.start < t.segments.back().end - 1e-6)
        fail(name + " starts at " + num(seg.start) + " s, before segments[" + std::to_string(i - 1) + "] ends (" +
             num(t.segments.back().end) + " s): segments must be in time order without overlap");
      t.segments.push_back(std::move(seg));
    }
    return t;
  }

 private:
  std::string origin_;
};

}  // namespace

caf::expected<StructTrack> parse_struct_json(const std::string& text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string why = e.what();
    const auto at = static_cast<std::size_t>(e.byte > 0 ? e.byte - 1 : 0);
    for (const char* word : {"NaN", "Infinity", "-Infinity"}) {
      const std::string w = word;
      const auto from = at >= w.size() ? at - w.size() : 0;
      if (text.find(w, from) != std::string::npos && text.find(w, from) <= at + 1)
        return make_error(errc::value_out_of_range,
                          origin + ": byte " + std::to_string(e.byte) + " holds " + w +
                              ", which is not a number JSON allows (the analyser wrote a non-finite value)");
    }
    return make_error(errc::unreadable_file, origin + ": not valid JSON: " + why);
  }
  try {
    return Reader(origin).read(doc);
  } catch (const Bad& b) {
    return make_error(errc::value_out_of_range, b.sentence);
  }
}

caf::expected<StructTrack> load_struct_json(const std::string& path) {
  std::error_code ec;
  const std::string abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (!std::filesystem::is_regular_file(abs, ec))
    return make_error(errc::file_not_found, "struct JSON " + abs + " does not exist or is not a file");
  std::ifstream in(abs, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return make_error(errc::unreadable_file, "struct JSON " + abs + " could not be read");
  return parse_struct_json(text.str(), abs);
}

}  // namespace crowdmesh::structure
