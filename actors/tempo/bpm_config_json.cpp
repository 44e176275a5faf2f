#include "tempo/bpm_config_json.hpp"
#include "common/strings.hpp"

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace crowdmesh::tempo {

namespace {

using nlohmann::json;

struct Failure {
  caf::error err;
};

class Reader {
 public:
  explicit Reader(const std::string& origin) : origin_(origin) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Failure{make_error(errc::value_out_of_range, origin_ + ": " + what)};
  }

  void check_keys(const json& obj, const std::string& where, std::initializer_list<const char*> known,
                  const std::string& hint = {}) const {
    for (const auto& item : obj.items()) {
      bool ok = false;
      for (const char* k : known) ok = ok || item.key() == k;
      if (!ok) fail("unknown key `" + item.key() + "` in " + where + "; known keys: " + join(known) + hint);
    }
  }

  const json* object_at(const json& parent, const char* key, const std::string& parent_path) const {
    auto it = parent.find(key);
    if (it == parent.end()) return nullptr;
    if (!it->is_object()) fail(parent_path + "." + key + " = " + it->dump() + " must be a JSON object");
    return &*it;
  }

  void read_double(const json& obj, const char* key, const std::string& path, double lo, double hi, bool lo_open,
                   const std::string& unit, double& out) const {
    auto it = obj.find(key);
    if (it == obj.end()) return;
    const std::string range =
        (lo_open ? "(" : "") + number(lo) + ".." + number(hi) + (lo_open ? ")" : "") + (unit.empty() ? "" : " " + unit);
    if (!it->is_number() || it->is_boolean())
      fail(path + "." + key + " = " + it->dump() + " must be a number in " + range);
    const double v = it->get<double>();
    if (!(lo_open ? v > lo : v >= lo) || !(v <= hi))
      fail(path + "." + key + " = " + it->dump() + " is out of range: allowed " + range);
    out = v;
  }

  static std::string number(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
  }

  MovementBpmSettings read(const json& root) const {
    MovementBpmSettings m;
    if (!root.is_object()) fail("the top level must be a JSON object {\"movement_bpm\": {...}}, got " + root.dump());
    check_keys(root, "the top level", {"movement_bpm"},
               " (the original bpm_config.json nests thresholds, bpm_targets, movement_max_value and smoothing"
               " under \"movement_bpm\")");
    const json* mb = object_at(root, "movement_bpm", "");
    if (mb == nullptr) return m;
    const std::string p = "movement_bpm";
    check_keys(*mb, p, {"thresholds", "bpm_targets", "movement_max_value", "smoothing", "base_bpm"});
    if (const json* th = object_at(*mb, "thresholds", p)) {
      const std::string pt = p + ".thresholds";
      check_keys(*th, pt, {"very_very_low", "very_low", "low", "medium"});
      read_double(*th, "very_very_low", pt, 0, 1, false, "", m.very_very_low);
      read_double(*th, "very_low", pt, 0, 1, false, "", m.very_low);
      read_double(*th, "low", pt, 0, 1, false, "", m.low);
      read_double(*th, "medium", pt, 0, 1, false, "", m.medium);
    }
    if (const json* bt = object_at(*mb, "bpm_targets", p)) {
      const std::string pb = p + ".bpm_targets";
      check_keys(*bt, pb, {"very_very_low", "very_low", "low", "medium", "high_max"});
      read_double(*bt, "very_very_low", pb, 20, 300, false, "BPM", m.bpm_very_very_low);
      read_double(*bt, "very_low", pb, 20, 300, false, "BPM", m.bpm_very_low);
      read_double(*bt, "low", pb, 20, 300, false, "BPM", m.bpm_low);
      read_double(*bt, "medium", pb, 20, 300, false, "BPM", m.bpm_medium);
      read_double(*bt, "high_max", pb, 20, 300, false, "BPM", m.bpm_high_max);
    }
    read_double(*mb, "movement_max_value", p, 0, 1, true, "", m.movement_max_value);
    if (const auto problem = movement_table_problem(m)) fail(problem->message);
    if (const json* sm = object_at(*mb, "smoothing", p)) {
      const std::string ps = p + ".smoothing";
      check_keys(*sm, ps,
                 {"transition_time_seconds", "audio_loop_rate_hz", "smoothing_factor_up", "smoothing_factor_down"});
      read_double(*sm, "transition_time_seconds", ps, 0, 3600, false, "s", m.transition_time_seconds);
      double ignored = 0;
      read_double(*sm, "audio_loop_rate_hz", ps, 0, 1e6, true, "Hz", ignored);
      read_double(*sm, "smoothing_factor_up", ps, 0, 1, false, "", ignored);
      read_double(*sm, "smoothing_factor_down", ps, 0, 1, false, "", ignored);
    }
    read_double(*mb, "base_bpm", p, 20, 300, false, "BPM", m.base_bpm);
    return m;
  }

 private:
  const std::string& origin_;
};

}  // namespace

caf::expected<MovementBpmSettings> parse_bpm_config_json(const std::string& text, const std::string& origin) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    return make_error(errc::unreadable_file, origin + ": not a valid bpm config JSON file: " + e.what());
  }
  try {
    return Reader(origin).read(root);
  } catch (const Failure& f) {
    return f.err;
  } catch (const json::exception& e) {
    return make_error(errc::unreadable_file, origin + ": cannot read the bpm config: " + e.what());
  }
}

caf::expected<MovementBpmSettings> load_bpm_config_json(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(path), ec);
  if (ec) abs = fs::path(path);
  abs = abs.lexically_normal();
  const std::string where = abs.string();
  const auto st = fs::status(abs, ec);
  if (!fs::exists(st)) return make_error(errc::file_not_found, where + ": bpm config file not found");
  if (fs::is_directory(st))
    return make_error(errc::unreadable_file, where + ": is a directory, expected a bpm config JSON file");
  std::ifstream in(abs, std::ios::binary);
  if (!in) return make_error(errc::unreadable_file, where + ": cannot open the bpm config file for reading");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return make_error(errc::unreadable_file, where + ": reading the bpm config file failed");
  return parse_bpm_config_json(buf.str(), where);
}

}  // namespace crowdmesh::tempo
