#include "common/mesh_config.hpp"
#include "common/strings.hpp"
#include "common/node_name.hpp"

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <toml++/toml.h>

#include "common/toml_text_check.hpp"

#include "common/error.hpp"
#include "common/z85_key.hpp"

namespace crowdmesh {
namespace {

/// Internal: carries one error from deep inside the parser to parse_mesh_config().
struct ConfigError {
  errc code;
  std::string sentence;
};

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_bare_key(std::string_view k) {
  if (k.empty()) return false;
  return std::all_of(k.begin(), k.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

std::string child(const std::string& path, std::string_view key) {
  std::string k = is_bare_key(key) ? std::string(key) : quote(std::string(key));
  return path.empty() ? k : path + "." + k;
}

std::string number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

/// The value as written, for error sentences.
std::string render(const toml::node& n) {
  if (auto s = n.as_string()) return quote(s->get());
  if (auto i = n.as_integer()) return std::to_string(i->get());
  if (auto f = n.as_floating_point()) {
    std::string v = number(f->get());
    if (std::isfinite(f->get()) && v.find_first_of(".eE") == std::string::npos) v += ".0";
    return v;
  }
  if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
  if (n.is_table()) return "a table";
  if (auto a = n.as_array()) {
    std::vector<std::string> items;
    for (const auto& e : *a) items.push_back(render(e));
    return "[" + join(items) + "]";
  }
  std::ostringstream os;
  n.visit([&](const auto& v) { os << v; });
  return os.str();
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    default: return "a date/time";
  }
}

bool valid_host(const std::string& h) {
  if (h.empty()) return false;
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return false;
    return std::all_of(h.begin() + 1, h.end() - 1,
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; });
  }
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

/// A checked endpoint; `canonical` compares equal for the same socket address.
struct Endpoint {
  bool tcp = true;
  std::string host;  // lower case; tcp only
  long port = 0;     // tcp only
  std::string path;  // ipc only
  std::string canonical;
};

constexpr const char* kEndpointForm =
    "tcp://HOST:PORT (HOST an IPv4 address, a host name or [IPv6]; "
    "PORT 1..65535) or ipc://PATH";

/// Parses `text`; on failure returns nullopt and sets `why`.
std::optional<Endpoint> parse_endpoint(const std::string& text, std::string& why) {
  Endpoint ep;
  if (text.rfind("ipc://", 0) == 0) {
    ep.tcp = false;
    ep.path = text.substr(6);
    if (ep.path.empty()) {
      why = "has an empty ipc path";
      return std::nullopt;
    }
    ep.canonical = text;
    return ep;
  }
  if (text.rfind("tcp://", 0) != 0) {
    why = "is not an endpoint";
    return std::nullopt;
  }
  std::string rest = text.substr(6);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || (rest.front() == '[' && colon < rest.find(']'))) {
    why = "has no port";
    return std::nullopt;
  }
  std::string host = rest.substr(0, colon);
  std::string port = rest.substr(colon + 1);
  if (host == "*") {
    why = "has host '*'; peers connect to this address, so give the node's IP address or host name";
    return std::nullopt;
  }
  if (!valid_host(host)) {
    why = "has an invalid host '" + host + "'";
    return std::nullopt;
  }
  if (port.empty() || port.size() > 6 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    why = "has an invalid port '" + port + "'";
    return std::nullopt;
  }
  ep.port = std::stol(port);
  if (ep.port < 1 || ep.port > 65535) {
    why = "has port " + std::to_string(ep.port) + ", outside 1..65535";
    return std::nullopt;
  }
  ep.host = lower(host);
  ep.canonical = "tcp://" + ep.host + ":" + std::to_string(ep.port);
  return ep;
}

class MeshParser {
 public:
  explicit MeshParser(std::string origin) : origin_(std::move(origin)) {}

  MeshConfig parse(const toml::table& root) {
    MeshConfig cfg;
    cfg.origin = origin_;
    check_keys(root, "", {"mesh", "media", "movement_bpm", "nodes", "security", "operators"});
    const toml::table* mesh = table_at(root, "mesh", "");
    if (mesh) read_mesh(*mesh, cfg);
    if (const toml::table* media = table_at(root, "media", "")) read_media(*media, cfg);
    if (const toml::table* mb = table_at(root, "movement_bpm", "")) read_movement_bpm(*mb, cfg.movement_bpm);
    const toml::table* nodes = table_at(root, "nodes", "");
    if (!nodes || nodes->empty())
      fail(nodes ? nodes->source() : toml::source_region{},
           "no nodes; add at least one [nodes.NAME] table (see deploy/mesh.example.toml)");
    read_nodes(*nodes, cfg);
    resolve_mesh_roles(mesh, cfg);
    if (const toml::table* sec = table_at(root, "security", "")) read_security(*sec, cfg.security);
    if (const toml::table* ops = table_at(root, "operators", "")) read_operators(*ops, cfg);
    check_keys_of_mesh(root, cfg);
    return cfg;
  }

 private:
  [[noreturn]] void fail(const toml::source_region& where, const std::string& what,
                         errc code = errc::value_out_of_range) const {
    std::string s = origin_;
    if (where.begin.line > 0) s += ":" + std::to_string(where.begin.line);
    throw ConfigError{code, s + ": " + what + "."};
  }

  void check_keys(const toml::table& t, const std::string& path, const std::vector<std::string>& known) const {
    for (auto&& [k, v] : t) {
      if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
      std::string where = path.empty() ? "top-level keys" : "keys of `" + path + "`";
      fail(k.source(), "unknown key `" + child(path, k.str()) + "`; known " + where + ": " + join(known));
    }
  }

  const toml::table* table_at(const toml::table& t, std::string_view key, const std::string& path) const {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table())
      fail(n->source(), child(path, key) + " = " + render(*n) + " is " + type_name(*n) + "; expected a table");
    return n->as_table();
  }

  [[noreturn]] void wrong_type(const toml::node& n, const std::string& key_path, const std::string& expected) const {
    fail(n.source(), key_path + " = " + render(n) + " is " + type_name(n) + "; expected " + expected);
  }

  bool read_int(const toml::table& t, std::string_view key, const std::string& path, long long lo, long long hi,
                const char* unit, long long& out) const {
    const toml::node* n = t.get(key);
    if (!n) return false;
    std::string kp = child(path, key);
    std::string allowed = std::to_string(lo) + ".." + std::to_string(hi) + (*unit ? std::string(" ") + unit : "");
    auto i = n->as_integer();
    if (!i) wrong_type(*n, kp, "an integer in " + allowed);
    if (i->get() < lo || i->get() > hi)
      fail(n->source(), kp + " = " + render(*n) + " is out of range; allowed: " + allowed);
    out = i->get();
    return true;
  }

  void read_int(const toml::table& t, std::string_view key, const std::string& path, long long lo, long long hi,
                const char* unit, int& out) const {
    long long v = 0;
    if (read_int(t, key, path, lo, hi, unit, v)) out = static_cast<int>(v);
  }

  void read_double(const toml::table& t, std::string_view key, const std::string& path, double lo, double hi,
                   const char* unit, double& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    std::string kp = child(path, key);
    std::string allowed = number(lo) + ".." + number(hi) + (*unit ? std::string(" ") + unit : "");
    double v = 0;
    if (auto f = n->as_floating_point())
      v = f->get();
    else if (auto i = n->as_integer())
      v = static_cast<double>(i->get());
    else
      wrong_type(*n, kp, "a number in " + allowed);
    if (!std::isfinite(v) || v < lo || v > hi)
      fail(n->source(), kp + " = " + render(*n) + " is out of range; allowed: " + allowed);
    out = v;
  }

  bool read_string(const toml::table& t, std::string_view key, const std::string& path, std::string& out) const {
    const toml::node* n = t.get(key);
    if (!n) return false;
    auto s = n->as_string();
    if (!s) wrong_type(*n, child(path, key), "a string");
    out = s->get();
    return true;
  }

  void read_bool(const toml::table& t, std::string_view key, const std::string& path, bool& out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    auto b = n->as_boolean();
    if (!b) wrong_type(*n, child(path, key), "true or false");
    out = b->get();
  }

  void read_mesh(const toml::table& t, MeshConfig& cfg) const {
    const std::string p = "mesh";
    check_keys(t, p,
               {"clock_reference", "tempo_node", "max_message_bytes", "request_timeout_ms", "heartbeat_interval_ms",
                "liveness"});
    read_string(t, "clock_reference", p, cfg.clock_reference);
    read_string(t, "tempo_node", p, cfg.tempo_node);
    long long bytes = 0;
    if (read_int(t, "max_message_bytes", p, 1024, 1LL << 30, "bytes", bytes))
      cfg.max_message_bytes = static_cast<std::size_t>(bytes);
    read_int(t, "request_timeout_ms", p, 1, 600000, "ms", cfg.request_timeout_ms);
    read_int(t, "heartbeat_interval_ms", p, 10, 60000, "ms", cfg.heartbeat_interval_ms);
    read_int(t, "liveness", p, 1, 100, "heartbeats", cfg.liveness);
  }

  // [media] roots: folders, relative ones against the config file's folder.
  void read_media(const toml::table& t, MeshConfig& cfg) const {
    check_keys(t, "media", {"roots"});
    const toml::node* r = t.get("roots");
    if (!r) return;
    auto arr = r->as_array();
    if (!arr) wrong_type(*r, "media.roots", "an array of folders");
    const auto base = std::filesystem::path(origin_).parent_path();
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::node& e = (*arr)[i];
      const std::string ip = "media.roots[" + std::to_string(i) + "]";
      auto str = e.as_string();
      if (!str) wrong_type(e, ip, "a folder (a string)");
      if (str->get().empty()) fail(e.source(), ip + " is empty; give a folder");
      std::filesystem::path dir(str->get());
      if (dir.is_relative() && !base.empty()) dir = base / dir;
      cfg.media_roots.push_back(dir.lexically_normal().string());
    }
  }

  // A relative path is taken against the config file's folder.
  std::string relative_to_config(const std::string& path) const {
    std::filesystem::path f(path);
    const auto base = std::filesystem::path(origin_).parent_path();
    if (f.is_relative() && !base.empty()) f = base / f;
    return f.lexically_normal().string();
  }

  // A CURVE public key (40 Z85 characters), if the key is present.
  bool read_key(const toml::table& t, std::string_view key, const std::string& path, std::string& out) const {
    if (!read_string(t, key, path, out)) return false;
    const std::string problem = z85_key_problem(out);
    if (!problem.empty()) fail(t.get(key)->source(), child(path, key) + " = " + quote(out) + " " + problem);
    return true;
  }

  void read_security(const toml::table& t, SecuritySettings& s) const {
    check_keys(t, "security", {"mode"});
    std::string mode = "plain";
    if (read_string(t, "mode", "security", mode)) {
      if (mode != "plain" && mode != "curve")
        fail(t.get("mode")->source(), "security.mode = " + quote(mode) +
                                          " is not a mode; allowed: \"plain\" (no authentication, loopback only) "
                                          "or \"curve\" (keys, docs/SECURITY.md)");
    }
    s.curve = mode == "curve";
  }

  void read_operators(const toml::table& ops, MeshConfig& cfg) const {
    std::vector<std::string> names;
    for (const auto& n : cfg.nodes) names.push_back(n.name);
    for (auto&& [k, v] : ops) {
      const std::string name{k.str()};
      const std::string p = child("operators", name);
      if (!valid_node_name(name))
        fail(k.source(), "operator name " + quote(name) + " is not allowed; use " + kNodeNameRule);
      if (!v.is_table()) wrong_type(v, p, "a table [" + p + "] with public_key");
      const toml::table& t = *v.as_table();
      check_keys(t, p, {"public_key", "nodes"});
      OperatorKey op;
      op.name = name;
      if (!read_key(t, "public_key", p, op.public_key))
        fail(t.source(), p + " has no public_key; give the operator's CURVE public key (control_node keygen)");
      if (const toml::node* n = t.get("nodes")) {
        auto arr = n->as_array();
        if (!arr) wrong_type(*n, p + ".nodes", "an array of node names");
        for (std::size_t i = 0; i < arr->size(); ++i) {
          const toml::node& e = (*arr)[i];
          const std::string ip = p + ".nodes[" + std::to_string(i) + "]";
          auto str = e.as_string();
          if (!str) wrong_type(e, ip, "a node name (a string)");
          if (!cfg.find(str->get()))
            fail(e.source(), ip + " = " + quote(str->get()) + " names no node; nodes: " + join(names));
          op.nodes.push_back(str->get());
        }
      }
      cfg.security.operators.push_back(std::move(op));
    }
  }

  // In curve mode every node needs a public key; a key may appear once in the
  // whole file (a repeated key is a copy-paste mistake that would let one
  // machine pass for another).
  void check_keys_of_mesh(const toml::table& root, const MeshConfig& cfg) const {
    std::map<std::string, std::string> owner;  // key -> key path
    auto claim = [&](const std::string& key, const std::string& path) {
      if (key.empty()) return;
      auto [it, fresh] = owner.emplace(key, path);
      if (!fresh) {
        const toml::node* n = root.at_path(path).node();
        fail(n ? n->source() : toml::source_region{},
             path + " repeats the key of " + it->second + "; every node and operator needs a key pair of its own");
      }
    };
    for (const auto& n : cfg.nodes) {
      const std::string p = child("nodes", n.name);
      if (cfg.security.curve && n.public_key.empty()) {
        const toml::node* t = root.at_path(p).node();
        fail(t ? t->source() : toml::source_region{},
             p + " has no public_key, and security.mode = \"curve\" needs every node's public key (make a pair "
                 "with `control_node keygen --out " + n.secret_key_file + "` on that machine)");
      }
      claim(n.public_key, p + ".public_key");
    }
    for (const auto& op : cfg.security.operators) claim(op.public_key, child("operators", op.name) + ".public_key");
  }

  void read_movement_bpm(const toml::table& t, MovementBpmSettings& m) const {
    const std::string p = "movement_bpm";
    check_keys(t, p, {"thresholds", "bpm_targets", "movement_max_value", "smoothing", "base_bpm"});
    const std::string pt = "movement_bpm.thresholds";
    if (const toml::table* th = table_at(t, "thresholds", p)) {
      check_keys(*th, pt, {"very_very_low", "very_low", "low", "medium"});
      read_double(*th, "very_very_low", pt, 0, 1, "", m.very_very_low);
      read_double(*th, "very_low", pt, 0, 1, "", m.very_low);
      read_double(*th, "low", pt, 0, 1, "", m.low);
      read_double(*th, "medium", pt, 0, 1, "", m.medium);
    }
    const std::string pb = "movement_bpm.bpm_targets";
    if (const toml::table* bt = table_at(t, "bpm_targets", p)) {
      check_keys(*bt, pb, {"very_very_low", "very_low", "low", "medium", "high_max"});
      read_double(*bt, "very_very_low", pb, 20, 300, "BPM", m.bpm_very_very_low);
      read_double(*bt, "very_low", pb, 20, 300, "BPM", m.bpm_very_low);
      read_double(*bt, "low", pb, 20, 300, "BPM", m.bpm_low);
      read_double(*bt, "medium", pb, 20, 300, "BPM", m.bpm_medium);
      read_double(*bt, "high_max", pb, 20, 300, "BPM", m.bpm_high_max);
    }
    read_double(t, "movement_max_value", p, 0, 1, "", m.movement_max_value);
    if (const auto problem = movement_table_problem(m)) {
      const toml::node* n = t.at_path(problem->key).node();
      if (!n) n = t.at_path(problem->other_key).node();
      fail(n ? n->source() : t.source(), problem->message);
    }
    if (const toml::table* sm = table_at(t, "smoothing", p)) {
      check_keys(*sm, "movement_bpm.smoothing", {"transition_time_seconds"});
      read_double(*sm, "transition_time_seconds", "movement_bpm.smoothing", 0, 3600, "s", m.transition_time_seconds);
    }
    read_double(t, "base_bpm", p, 20, 300, "BPM", m.base_bpm);
  }

  void read_nodes(const toml::table& nodes, MeshConfig& cfg) {
    // toml++ keeps keys sorted; restore the file order from the keys' source positions.
    std::vector<std::pair<const toml::key*, const toml::node*>> order;
    for (auto&& [k, v] : nodes) order.emplace_back(&k, &v);
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      const auto& sa = a.first->source().begin;
      const auto& sb = b.first->source().begin;
      return sa.line != sb.line ? sa.line < sb.line : sa.column < sb.column;
    });
    std::map<std::string, std::string> lower_names;
    for (const auto& [key, node] : order) {
      const std::string name{key->str()};
      const std::string p = child("nodes", name);
      if (!valid_node_name(name))
        fail(key->source(), "node name " + quote(name) + " is not allowed; use " + kNodeNameRule);
      auto [it, fresh] = lower_names.emplace(lower(name), name);
      if (!fresh)
        fail(key->source(), "node " + quote(name) + " duplicates node " + quote(it->second) +
                                "; node names must differ (compared case-insensitively)");
      if (!node->is_table()) wrong_type(*node, p, "a table [" + p + "]");
      cfg.nodes.push_back(read_node(*node->as_table(), name));
    }
  }

  NodeConfig read_node(const toml::table& t, const std::string& name) {
    NodeConfig n;
    n.name = name;
    const std::string p = child("nodes", name);
    check_keys(t, p,
               {"roles", "control", "events", "audio", "device", "osc", "encoder", "play_stream", "stream_mix_local",
                "stream_latency_ms", "stream_port", "stream_host", "stream_fec", "stream_multicast", "stream_codec",
                "stream_opus_kbps", "diagnostics", "public_key", "secret_key_file"});

    if (const toml::node* r = t.get("roles")) {
      auto arr = r->as_array();
      if (!arr) wrong_type(*r, p + ".roles", "an array of roles (" + join(kKnownRoles) + ")");
      n.roles.clear();
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& e = (*arr)[i];
        std::string ip = p + ".roles[" + std::to_string(i) + "]";
        auto s = e.as_string();
        if (!s) wrong_type(e, ip, "a role name (" + join(kKnownRoles) + ")");
        if (std::find(kKnownRoles.begin(), kKnownRoles.end(), s->get()) == kKnownRoles.end())
          fail(e.source(), ip + " = " + render(e) + " is not a role; allowed: " + join(kKnownRoles));
        if (n.has_role(s->get())) fail(e.source(), ip + " = " + render(e) + " is listed twice; list each role once");
        n.roles.push_back(s->get());
      }
    }

    bool has_control = read_string(t, "control", p, n.endpoints.control);
    const toml::source_region& control_at = has_control ? t.get("control")->source() : t.source();
    Endpoint control = check_endpoint(n.endpoints.control, p + ".control", control_at, !has_control);
    if (!read_string(t, "events", p, n.endpoints.events))
      n.endpoints.events = derived(control, 1, ".events", n.endpoints.control, p, "events", control_at);
    if (!read_string(t, "audio", p, n.endpoints.audio))
      n.endpoints.audio = derived(control, 2, ".audio", n.endpoints.control, p, "audio", control_at);
    check_endpoint(n.endpoints.events, p + ".events", t.get("events") ? t.get("events")->source() : control_at,
                   !t.get("events"));
    check_endpoint(n.endpoints.audio, p + ".audio", t.get("audio") ? t.get("audio")->source() : control_at,
                   !t.get("audio"));

    if (const toml::table* d = table_at(t, "device", p)) read_device(*d, p + ".device", n.device);
    read_stream(t, p, control, n);
    if (const toml::table* e = table_at(t, "encoder", p)) read_encoder(*e, p + ".encoder", n.encoder);

    const toml::table* o = table_at(t, "osc", p);
    if (o) {
      if (!n.has_role("osc"))
        fail(o->source(), p + ".osc is set but node " + quote(name) + " has no role \"osc\" (roles = " +
                              (t.get("roles") ? render(*t.get("roles")) : "[" + join(n.roles) + "]") +
                              "); add \"osc\" to " + p + ".roles or remove [" + p + ".osc]");
      read_osc(*o, p + ".osc", n.osc);
    }
    if (!n.has_role("osc")) n.osc.enabled = false;
    check_osc_clash(n, control, o ? o->source() : t.source());
    return n;
  }

  /// Checks one endpoint and that no other endpoint of the mesh uses the same address.
  Endpoint check_endpoint(const std::string& text, const std::string& key_path, const toml::source_region& at,
                          bool is_default) {
    std::string why;
    auto ep = parse_endpoint(text, why);
    std::string shown = key_path + " = " + quote(text) + (is_default ? " (default)" : "");
    if (!ep) fail(at, shown + " " + why + "; expected " + kEndpointForm);
    auto [it, fresh] = endpoints_.emplace(ep->canonical, key_path);
    if (!fresh) fail(at, shown + " is already used by " + it->second + "; every endpoint must be unique");
    return *ep;
  }

  /// Default events/audio endpoint: the control host with port + offset (tcp) or PATH + suffix (ipc).
  std::string derived(const Endpoint& control, long offset, const char* suffix, const std::string& control_text,
                      const std::string& p, const char* key, const toml::source_region& at) const {
    if (!control.tcp) return control_text + suffix;
    if (control.port + offset > 65535)
      fail(at, p + ".control = " + quote(control_text) + " leaves no port for the default " + p + "." + key +
                   " (control port + " + std::to_string(offset) + " > 65535); set " + p + "." + key + " explicitly");
    auto colon = control_text.rfind(':');
    return control_text.substr(0, colon + 1) + std::to_string(control.port + offset);
  }

  void read_device(const toml::table& t, const std::string& p, DeviceSettings& d) const {
    check_keys(t, p, {"backend", "device", "sample_rate", "buffer_size", "target_periods", "channels"});
    if (read_string(t, "backend", p, d.backend) && d.backend != "auto" && d.backend != "portaudio" &&
        d.backend != "virtual")
      fail(t.get("backend")->source(),
           p + ".backend = " + quote(d.backend) + " is not a backend; allowed: auto, portaudio, virtual");
    read_string(t, "device", p, d.device);
    read_int(t, "sample_rate", p, 8000, 384000, "Hz", d.sample_rate_hz);
    read_int(t, "buffer_size", p, 16, 8192, "frames", d.buffer_frames);
    read_int(t, "target_periods", p, 2, 64, "periods", d.target_periods);
    read_int(t, "channels", p, 1, 32, "channels", d.channels);
  }

  void read_stream(const toml::table& t, const std::string& p, const Endpoint& control, NodeConfig& n) const {
    auto& s = n.stream;
    read_string(t, "play_stream", p, s.play);
    if (!s.play.empty()) {
      const auto slash = s.play.find('/');
      const auto source = s.play.substr(0, slash);
      if (source.empty() || source == n.name || (slash != std::string::npos && s.play.substr(slash + 1) != "master"))
        fail(t.get("play_stream")->source(), p + ".play_stream = " + quote(s.play) +
                                                 " must name another node, as \"NODE\" or \"NODE/master\"");
    }
    read_bool(t, "diagnostics", p, n.diagnostics);
    read_key(t, "public_key", p, n.public_key);
    n.secret_key_file = "keys/" + n.name + ".key";
    if (read_string(t, "secret_key_file", p, n.secret_key_file) && n.secret_key_file.empty())
      fail(t.get("secret_key_file")->source(), p + ".secret_key_file is empty; give the key file's path");
    n.secret_key_file = relative_to_config(n.secret_key_file);
    read_bool(t, "stream_mix_local", p, s.mix_local);
    read_int(t, "stream_latency_ms", p, 20, 2000, "ms", s.latency_ms);
    read_bool(t, "stream_fec", p, s.fec);
    if (read_string(t, "stream_codec", p, s.codec) && s.codec != "l24" && s.codec != "l16" && s.codec != "opus")
      fail(t.get("stream_codec")->source(),
           p + ".stream_codec = " + quote(s.codec) + " is not a stream codec; allowed: l24, l16, opus");
    read_int(t, "stream_opus_kbps", p, 6, 510, "kb/s", s.opus_kbps);
    if (control.tcp && control.port + 4 <= 65535) s.port = static_cast<int>(control.port + 4);
    read_int(t, "stream_port", p, 1, 65535, "UDP port", s.port);
    if (control.tcp && control.host != "*" && control.host != "0.0.0.0") s.host = control.host;
    read_string(t, "stream_host", p, s.host);
    if (read_string(t, "stream_multicast", p, s.multicast) && !multicast_address(s.multicast))
      fail(t.get("stream_multicast")->source(),
           p + ".stream_multicast = " + quote(s.multicast) +
               " is not GROUP:PORT with GROUP a dotted IPv4 multicast address (224.0.0.0 to 239.255.255.255) "
               "and PORT 1..65535, e.g. \"239.255.77.1:5004\"");
  }

  static bool multicast_address(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    unsigned a = 0, b = 0, c = 0, d = 0;
    char tail = 0;
    if (std::sscanf(text.substr(0, colon).c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) return false;
    if (a < 224 || a > 239 || b > 255 || c > 255 || d > 255) return false;
    const std::string port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
    const long p = std::stol(port);
    return p >= 1 && p <= 65535;
  }

  void read_encoder(const toml::table& t, const std::string& p, EncoderSettings& e) const {
    check_keys(t, p, {"outputs", "source", "stream"});
    if (const toml::node* o = t.get("outputs")) {
      auto arr = o->as_array();
      if (!arr) wrong_type(*o, p + ".outputs", "an array of \"PRESET:SINK\" strings");
      for (std::size_t i = 0; i < arr->size(); ++i) {
        auto str = (*arr)[i].as_string();
        if (!str) wrong_type((*arr)[i], p + ".outputs[" + std::to_string(i) + "]", "a \"PRESET:SINK\" string");
        e.outputs.push_back(str->get());
      }
    }
    read_string(t, "source", p, e.source);
    read_string(t, "stream", p, e.stream);
  }

  void read_osc(const toml::table& t, const std::string& p, OscSettings& o) const {
    check_keys(t, p, {"enabled", "ports", "bind"});
    read_bool(t, "enabled", p, o.enabled);
    if (const toml::node* n = t.get("ports")) {
      auto arr = n->as_array();
      if (!arr) wrong_type(*n, p + ".ports", "an array of UDP ports (1..65535), e.g. [57122]");
      if (arr->empty()) fail(n->source(), p + ".ports = [] is empty; give at least one UDP port (1..65535)");
      o.ports.clear();
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& e = (*arr)[i];
        std::string ip = p + ".ports[" + std::to_string(i) + "]";
        auto v = e.as_integer();
        if (!v) wrong_type(e, ip, "an integer UDP port in 1..65535");
        if (v->get() < 1 || v->get() > 65535)
          fail(e.source(), ip + " = " + render(e) + " is out of range; allowed: 1..65535");
        int port = static_cast<int>(v->get());
        if (std::find(o.ports.begin(), o.ports.end(), port) != o.ports.end())
          fail(e.source(), ip + " = " + render(e) + " is listed twice; list each port once");
        o.ports.push_back(port);
      }
    }
    if (read_string(t, "bind", p, o.bind) && (!valid_host(o.bind) || o.bind.front() == '['))
      fail(t.get("bind")->source(),
           p + ".bind = " + quote(o.bind) +
               " is not a local address; use e.g. \"127.0.0.1\" or \"0.0.0.0\" (any interface)");
  }

  /// Two nodes on one host (same control host, or both ipc) must not listen on the same UDP port.
  void check_osc_clash(const NodeConfig& n, const Endpoint& control, const toml::source_region& at) {
    if (!n.osc.enabled) return;
    const std::string host = control.tcp ? control.host : std::string("ipc (this machine)");
    for (int port : n.osc.ports) {
      for (const auto& prev : osc_ports_) {
        if (prev.host != host || prev.port != port) continue;
        bool wildcard = prev.bind == "0.0.0.0" || n.osc.bind == "0.0.0.0";
        if (!wildcard && prev.bind != n.osc.bind) continue;
        fail(at, "nodes." + n.name + ".osc.ports has UDP port " + std::to_string(port) + " on " + n.osc.bind +
                     ", already used by nodes." + prev.node + ".osc on the same host (" + host +
                     "); give each node on one host its own OSC ports");
      }
    }
    for (int port : n.osc.ports) osc_ports_.push_back({host, n.osc.bind, port, n.name});
  }

  void resolve_mesh_roles(const toml::table* mesh, MeshConfig& cfg) const {
    std::vector<std::string> names;
    for (const auto& n : cfg.nodes) names.push_back(n.name);
    auto at = [&](const char* key) {
      return mesh && mesh->get(key) ? mesh->get(key)->source() : toml::source_region{};
    };
    if (mesh && mesh->get("clock_reference")) {
      if (!cfg.find(cfg.clock_reference))
        fail(at("clock_reference"),
             "mesh.clock_reference = " + quote(cfg.clock_reference) + " names no node; nodes: " + join(names));
    } else {
      cfg.clock_reference = cfg.nodes.front().name;
    }
    if (mesh && mesh->get("tempo_node")) {
      const NodeConfig* t = cfg.find(cfg.tempo_node);
      if (!t)
        fail(at("tempo_node"), "mesh.tempo_node = " + quote(cfg.tempo_node) + " names no node; nodes: " + join(names));
      if (!t->has_role("tempo"))
        fail(at("tempo_node"), "mesh.tempo_node = " + quote(cfg.tempo_node) + " names a node without the role " +
                                   "\"tempo\"; add \"tempo\" to nodes." + t->name + ".roles or pick another node");
    } else {
      cfg.tempo_node.clear();
      for (const auto& n : cfg.nodes)
        if (n.has_role("tempo")) {
          cfg.tempo_node = n.name;
          break;
        }
    }
  }

  struct OscPort {
    std::string host;
    std::string bind;
    int port;
    std::string node;
  };

  std::string origin_;
  std::map<std::string, std::string> endpoints_;  // canonical endpoint -> key path
  std::vector<OscPort> osc_ports_;
};

}  // namespace

bool NodeConfig::has_role(const std::string& role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool OperatorKey::allowed_on(const std::string& node) const {
  return nodes.empty() || std::find(nodes.begin(), nodes.end(), node) != nodes.end();
}

const NodeConfig* MeshConfig::find(const std::string& name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

caf::expected<MeshConfig> parse_mesh_config(const std::string& toml_text, const std::string& origin) {
  if (auto where = toml_unsafe_character(toml_text); !where.empty())
    return make_error(errc::unreadable_file, origin + ":" + where + ": not valid TOML.");
  toml::table root;
  try {
    root = toml::parse(std::string_view(toml_text), std::string_view(origin));
  } catch (const toml::parse_error& e) {
    std::string s = origin;
    if (e.source().begin.line > 0)
      s += ":" + std::to_string(e.source().begin.line) + ":" + std::to_string(e.source().begin.column);
    std::string why{e.description()};
    if (why.find("redefine") != std::string::npos)
      why += " (each table, e.g. [nodes.NAME], may appear only once; node names must be unique)";
    return make_error(errc::unreadable_file, s + ": not valid TOML: " + why + ".");
  }
  try {
    return MeshParser(origin).parse(root);
  } catch (const ConfigError& e) {
    return make_error(e.code, e.sentence);
  }
}

caf::expected<MeshConfig> load_mesh_config(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(path), ec).lexically_normal();
  if (ec) abs = fs::path(path);
  const std::string shown = abs.string();
  if (!fs::exists(abs, ec)) return make_error(errc::file_not_found, "mesh config " + shown + " does not exist.");
  if (fs::is_directory(abs, ec))
    return make_error(errc::unreadable_file, "mesh config " + shown + " is a directory, not a TOML file.");
  std::ifstream in(abs, std::ios::binary);
  if (!in) return make_error(errc::unreadable_file, "mesh config " + shown + " cannot be opened for reading.");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(errc::unreadable_file, "mesh config " + shown + " could not be read.");
  return parse_mesh_config(text.str(), shown);
}

MeshConfig default_mesh_config() {
  MeshConfig cfg;
  NodeConfig node;
  node.name = "local";
  node.roles = kKnownRoles;
  cfg.nodes.push_back(node);
  cfg.clock_reference = "local";
  cfg.tempo_node = "local";
  cfg.origin = "<embedded default>";
  return cfg;
}

std::optional<MovementTableProblem> movement_table_problem(const MovementBpmSettings& m) {
  const std::string pt = "movement_bpm.thresholds.";
  const std::pair<const char*, double> seq[] = {
      {"very_very_low", m.very_very_low}, {"very_low", m.very_low}, {"low", m.low}};
  for (std::size_t i = 1; i < 3; ++i)
    if (seq[i].second < seq[i - 1].second)
      return MovementTableProblem{std::string("thresholds.") + seq[i].first,
                                  std::string("thresholds.") + seq[i - 1].first,
                                  pt + seq[i].first + " = " + number(seq[i].second) + " is below " + pt +
                                      seq[i - 1].first + " = " + number(seq[i - 1].second) +
                                      "; thresholds must not decrease: very_very_low <= very_low <= low "
                                      "(medium may sit anywhere below movement_max_value)"};
  if (!(m.movement_max_value > m.medium))
    return MovementTableProblem{"movement_max_value", "thresholds.medium",
                                "movement_bpm.movement_max_value = " + number(m.movement_max_value) +
                                    " must be greater than movement_bpm.thresholds.medium = " + number(m.medium) +
                                    " and at most 1"};
  return std::nullopt;
}

}  // namespace crowdmesh
