#include "structure/rekordbox_xml.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <pugixml.hpp>

#include "common/error.hpp"

namespace crowdmesh::structure {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Reads a numeric attribute; a present but non-numeric value is an error.
struct Numbers {
  const std::string& origin;
  std::string track;

  double real(const pugi::xml_node& n, const char* attr, double fallback) const {
    const pugi::xml_attribute a = n.attribute(attr);
    if (!a || !*a.value()) return fallback;
    char* end = nullptr;
    const double v = std::strtod(a.value(), &end);
    if (end == a.value() || *end != '\0' || !std::isfinite(v))
      throw std::runtime_error(origin + ": " + track + ": " + n.name() + " " + attr + "=\"" + a.value() +
                               "\" is not a number");
    return v;
  }
  int integer(const pugi::xml_node& n, const char* attr, int fallback) const {
    return static_cast<int>(real(n, attr, fallback));
  }
};

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::string location_uri(const std::string& path) {
  std::string out = "file://localhost";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string path_from_location(const std::string& location) {
  std::string loc = location;
  if (loc.rfind("file://localhost", 0) == 0)
    loc = loc.substr(16);
  else if (loc.rfind("file://", 0) == 0)
    loc = loc.substr(7);
  std::string out;
  for (std::size_t i = 0; i < loc.size(); ++i) {
    if (loc[i] == '%' && i + 2 < loc.size() && hex_value(loc[i + 1]) >= 0 && hex_value(loc[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(loc[i + 1]) * 16 + hex_value(loc[i + 2]));
      i += 2;
    } else {
      out += loc[i];
    }
  }
  if (!out.empty() && out.front() != '/') out.insert(out.begin(), '/');
  return out;
}

caf::expected<std::vector<RekordboxTrack>> parse_rekordbox_xml(const std::string& text, const std::string& origin) {
  pugi::xml_document doc;
  const pugi::xml_parse_result r = doc.load_buffer(text.data(), text.size());
  if (!r)
    return make_error(errc::unreadable_file, origin + ": not XML: " + r.description() + " at byte " +
                                                 std::to_string(r.offset));
  const pugi::xml_node root = doc.child("DJ_PLAYLISTS");
  if (!root) return make_error(errc::unreadable_file, origin + ": no DJ_PLAYLISTS root: not a Rekordbox collection");
  std::vector<RekordboxTrack> out;
  try {
    for (const pugi::xml_node tr : root.child("COLLECTION").children("TRACK")) {
      RekordboxTrack t;
      const Numbers num{origin, std::string("TRACK ") + tr.attribute("TrackID").value() + " (" +
                                    tr.attribute("Name").value() + ")"};
      t.track_id = num.integer(tr, "TrackID", 0);
      t.name = tr.attribute("Name").value();
      t.path = path_from_location(tr.attribute("Location").value());
      t.average_bpm = num.real(tr, "AverageBpm", 0);
      t.tonality = tr.attribute("Tonality").value();
      t.total_time = num.integer(tr, "TotalTime", 0);
      for (const pugi::xml_node te : tr.children("TEMPO"))
        t.tempos.push_back({num.real(te, "Inizio", 0), num.real(te, "Bpm", 0), te.attribute("Metro").value(),
                            num.integer(te, "Battito", 1)});
      for (const pugi::xml_node pm : tr.children("POSITION_MARK"))
        t.cues.push_back({pm.attribute("Name").value(), num.real(pm, "Start", 0), num.integer(pm, "Num", -1)});
      out.push_back(std::move(t));
    }
  } catch (const std::runtime_error& e) {
    return make_error(errc::value_out_of_range, e.what());
  }
  return out;
}

caf::expected<std::vector<RekordboxTrack>> read_rekordbox_xml(const std::string& path) {
  std::error_code ec;
  const std::string abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (!std::filesystem::is_regular_file(abs, ec))
    return make_error(errc::file_not_found, "Rekordbox XML " + abs + " does not exist or is not a file");
  std::ifstream in(abs, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_rekordbox_xml(text.str(), abs);
}

std::size_t apply_rekordbox(std::vector<StructTrack>& tracks, const std::vector<RekordboxTrack>& collection) {
  std::size_t changed = 0;
  for (auto& t : tracks) {
    bool touched = false;
    const std::string path = lower(t.path);
    for (const auto& r : collection) {
      if (r.average_bpm > 0 && lower(r.path) == path && r.average_bpm != t.bpm) {
        t.bpm = r.average_bpm;
        touched = true;
        break;
      }
    }
    for (const auto& r : collection) {
      if (!r.name.empty() && !r.tonality.empty() && path.find(lower(r.name)) != std::string::npos) {
        if (t.key != r.tonality) {
          t.key = r.tonality;
          touched = true;
        }
        break;
      }
    }
    changed += touched ? 1 : 0;
  }
  return changed;
}

std::string write_rekordbox_xml(const std::vector<RekordboxTrack>& tracks) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("DJ_PLAYLISTS");
  root.append_attribute("Version") = "1.0.0";
  auto product = root.append_child("PRODUCT");
  product.append_attribute("Name") = "Crowdmesh";
  product.append_attribute("Version") = "1";
  product.append_attribute("Company") = "Crowdmesh";
  auto coll = root.append_child("COLLECTION");
  coll.append_attribute("Entries") = static_cast<unsigned>(tracks.size());
  for (const auto& t : tracks) {
    auto tr = coll.append_child("TRACK");
    tr.append_attribute("TrackID") = t.track_id;
    tr.append_attribute("Name") = t.name.c_str();
    tr.append_attribute("Kind") = "WAV File";
    tr.append_attribute("TotalTime") = t.total_time;
    tr.append_attribute("AverageBpm") = fixed(t.average_bpm, 2).c_str();
    tr.append_attribute("Tonality") = t.tonality.c_str();
    tr.append_attribute("Location") = location_uri(t.path).c_str();
    for (const auto& te : t.tempos) {
      auto e = tr.append_child("TEMPO");
      e.append_attribute("Inizio") = fixed(te.start, 3).c_str();
      e.append_attribute("Bpm") = fixed(te.bpm, 2).c_str();
      e.append_attribute("Metro") = te.meter.c_str();
      e.append_attribute("Battito") = te.beat;
    }
    for (const auto& c : t.cues) {
      auto e = tr.append_child("POSITION_MARK");
      e.append_attribute("Name") = c.name.c_str();
      e.append_attribute("Type") = 0;
      e.append_attribute("Start") = fixed(c.start, 3).c_str();
      e.append_attribute("Num") = c.num;
    }
  }
  std::ostringstream out;
  doc.save(out, "  ");
  return out.str();
}

}  // namespace crowdmesh::structure
