#include "encoder/sink.hpp"

#include <cctype>
#include <cmath>
#include <utility>

#include "common/error.hpp"
#include "encoder/file_sink.hpp"
#include "encoder/icecast_sink.hpp"

namespace crowdmesh::encoder {

const char* to_string(SinkState s) {
  switch (s) {
    case SinkState::idle: return "idle";
    case SinkState::open: return "open";
    case SinkState::connecting: return "connecting";
    case SinkState::connected: return "connected";
    case SinkState::backoff: return "backoff";
    case SinkState::auth_failed: return "auth_failed";
    case SinkState::failed: return "failed";
    case SinkState::closed: return "closed";
  }
  return "unknown";
}

namespace {

constexpr const char* kForms =
    "accepted forms: file:PATH (strftime fields allowed), icecast://USER:PASS@HOST:PORT/MOUNT "
    "(USER defaults to 'source', PORT to 8000)";

/// The URL with the Icecast password replaced by "***", for messages.
std::string redact(const std::string& url) {
  const std::string scheme = "icecast://";
  if (url.compare(0, scheme.size(), scheme) != 0) return url;
  const std::size_t slash = url.find('/', scheme.size());
  const std::size_t at = url.rfind('@', slash);
  if (at == std::string::npos || at < scheme.size()) return url;
  const std::size_t colon = url.find(':', scheme.size());
  if (colon != std::string::npos && colon < at) return url.substr(0, colon + 1) + "***" + url.substr(at);
  return scheme + "***" + url.substr(at);
}

caf::error bad_url(const std::string& url, const std::string& why) {
  return make_error(errc::value_out_of_range, "sink URL '" + redact(url) + "': " + why + "; " + kForms);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Percent-decodes `in`; false on a malformed escape.
bool percent_decode(const std::string& in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

bool has_space_or_control(const std::string& s) {
  for (unsigned char c : s)
    if (std::isspace(c) || std::iscntrl(c)) return true;
  return false;
}

caf::expected<IcecastTarget> parse_icecast(const std::string& url) {
  const std::string rest = url.substr(std::string("icecast://").size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string::npos) return bad_url(url, "no mount point (e.g. /live.opus) after the host");
  const std::string authority = rest.substr(0, slash);
  IcecastTarget t;
  t.mount = rest.substr(slash);
  if (t.mount.size() < 2) return bad_url(url, "the mount point is empty");
  if (has_space_or_control(t.mount) || t.mount.find_first_of("?#") != std::string::npos)
    return bad_url(url, "the mount point must not hold spaces, '?' or '#'");

  const std::size_t at = authority.rfind('@');
  if (at == std::string::npos) return bad_url(url, "no source password (USER:PASS@ or PASS@ before the host)");
  const std::string userinfo = authority.substr(0, at);
  const std::string hostport = authority.substr(at + 1);
  const std::size_t colon = userinfo.find(':');
  std::string user_raw = colon == std::string::npos ? std::string() : userinfo.substr(0, colon);
  std::string pass_raw = colon == std::string::npos ? userinfo : userinfo.substr(colon + 1);
  std::string user;
  if (!percent_decode(user_raw, user) || !percent_decode(pass_raw, t.password))
    return bad_url(url, "malformed %-escape in the user or password");
  if (!user.empty()) t.user = user;
  if (t.password.empty()) return bad_url(url, "the source password is empty");

  std::string port_text;
  if (!hostport.empty() && hostport.front() == '[') {
    const std::size_t close = hostport.find(']');
    if (close == std::string::npos) return bad_url(url, "unclosed '[' in the IPv6 host");
    t.host = hostport.substr(1, close - 1);
    const std::string after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(url, "unexpected text after the IPv6 host");
      port_text = after.substr(1);
      if (port_text.empty()) return bad_url(url, "the port after ':' is empty");
    }
  } else {
    const std::size_t pc = hostport.rfind(':');
    t.host = hostport.substr(0, pc);
    if (pc != std::string::npos) {
      port_text = hostport.substr(pc + 1);
      if (port_text.empty()) return bad_url(url, "the port after ':' is empty");
    }
  }
  if (t.host.empty()) return bad_url(url, "the host is empty");
  if (has_space_or_control(t.host) || t.host.find_first_of("@/?#") != std::string::npos)
    return bad_url(url, "the host '" + t.host + "' is not a host name or address");
  if (!port_text.empty()) {
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
      return bad_url(url, "the port '" + port_text + "' is not a number in 1..65535");
    const int port = std::stoi(port_text);
    if (port < 1 || port > 65535) return bad_url(url, "the port " + port_text + " is outside 1..65535");
    t.port = port;
  }
  return t;
}

caf::error bad_option(const std::string& what) { return make_error(errc::value_out_of_range, "sink option " + what); }

caf::expected<void> check_options(const SinkOptions& o) {
  auto finite = [](double v) { return std::isfinite(v); };
  if (!finite(o.rotate_seconds) || o.rotate_seconds < 0)
    return bad_option("rotate_seconds " + std::to_string(o.rotate_seconds) + " must be >= 0 (0 = never)");
  if (!finite(o.backoff_initial_seconds) || o.backoff_initial_seconds <= 0 || o.backoff_initial_seconds > 3600)
    return bad_option("backoff_initial_seconds " + std::to_string(o.backoff_initial_seconds) + " is outside (0, 3600]");
  if (!finite(o.backoff_max_seconds) || o.backoff_max_seconds < o.backoff_initial_seconds ||
      o.backoff_max_seconds > 3600)
    return bad_option("backoff_max_seconds " + std::to_string(o.backoff_max_seconds) +
                      " is outside [backoff_initial_seconds, 3600]");
  if (!finite(o.auth_retry_seconds) || o.auth_retry_seconds <= 0 || o.auth_retry_seconds > 86400)
    return bad_option("auth_retry_seconds " + std::to_string(o.auth_retry_seconds) + " is outside (0, 86400]");
  if (o.queue_bytes < 4096 || o.queue_bytes > (std::size_t{1} << 30))
    return bad_option("queue_bytes " + std::to_string(o.queue_bytes) + " is outside 4096..1073741824");
  return caf::unit;
}

}  // namespace

caf::expected<std::unique_ptr<Sink>> make_sink(const std::string& url, Codec codec, const SinkOptions& options) {
  if (auto ok = check_options(options); !ok) return ok.error();
  const std::string file_scheme = "file:";
  const std::string icecast_scheme = "icecast://";
  if (url.compare(0, file_scheme.size(), file_scheme) == 0) {
    std::string path = url.substr(file_scheme.size());
    if (path.compare(0, 2, "//") == 0) {
      // file:///abs/path (the URL form); file://host/... is not supported.
      path = path.substr(2);
      if (path.empty() || path.front() != '/')
        return bad_url(url, "file:// must be followed by an absolute path (file:///rec/x.flac)");
    }
    if (path.empty()) return bad_url(url, "the path is empty");
    if (path.back() == '/') return bad_url(url, "the path names a directory, not a file");
    if (path.find('\0') != std::string::npos) return bad_url(url, "the path holds a NUL byte");
    return std::unique_ptr<Sink>(new FileSink(path, options));
  }
  if (url.compare(0, icecast_scheme.size(), icecast_scheme) == 0) {
    auto target = parse_icecast(url);
    if (!target) return target.error();
    if (codec == Codec::flac)
      return make_error(errc::unsupported_format,
                        "icecast sinks take opus or mp3; write flac to a file (sink URL '" + redact(url) + "')");
    return std::unique_ptr<Sink>(new IcecastSink(std::move(*target), codec, options));
  }
  return bad_url(url, "unknown kind of sink");
}

}  // namespace crowdmesh::encoder
