#include "stretch/media_roots.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "common/error.hpp"

namespace crowdmesh::stretch {

namespace fs = std::filesystem;

namespace {

std::string absolute_normal(const std::string& path) {
  std::error_code ec;
  auto abs = fs::absolute(path, ec);
  if (ec) abs = fs::path(path);
  auto s = abs.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool inside(const std::string& path, const std::string& root) {
  if (root == "/") return !path.empty() && path.front() == '/';
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/';
}

// realpath(3): the canonical path, or an errno.
std::string canonical(const std::string& path, int& err) {
  err = 0;
  std::unique_ptr<char, decltype(&std::free)> p(::realpath(path.c_str(), nullptr), &std::free);
  if (!p) {
    err = errno;
    return {};
  }
  return p.get();
}

}  // namespace

caf::expected<MediaRoots> MediaRoots::make(const std::vector<std::string>& dirs) {
  MediaRoots out;
  for (const auto& d : dirs) {
    if (d.empty()) return make_error(errc::value_out_of_range, "a media root is an empty string (give a folder)");
    const auto abs = absolute_normal(d);
    int err = 0;
    auto c = canonical(abs, err);
    if (err == ENOENT) return make_error(errc::file_not_found, "media root not found: " + abs);
    if (err != 0)
      return make_error(errc::value_out_of_range, "cannot use media root " + abs + ": " + std::strerror(err));
    std::error_code ec;
    if (!fs::is_directory(c, ec)) return make_error(errc::value_out_of_range, "media root " + abs + " is not a folder");
    out.roots_.push_back(c);
  }
  return out;
}

std::string MediaRoots::describe() const {
  if (roots_.empty()) return "any readable file (no media roots set)";
  std::string s = "inside ";
  for (std::size_t i = 0; i < roots_.size(); ++i) s += (i ? ", " : "") + roots_[i];
  return s;
}

caf::expected<std::string> MediaRoots::resolve(const std::string& path, const std::string& what) const {
  if (path.empty()) return make_error(errc::file_not_found, "no " + what + " path given (empty string)");
  const auto abs = absolute_normal(path);
  if (roots_.empty()) return abs;
  const auto refuse = [&] {
    return make_error(errc::not_allowed, what + " " + path + " is not allowed: only files " + describe() +
                                             " may be loaded ([media] roots, --media-root)");
  };
  bool written_inside = false;
  for (const auto& r : roots_) written_inside = written_inside || inside(abs, r);
  // A root given through a symbolic link is stored canonical; a path written
  // through the same link is accepted when its canonical form is inside.
  int err = 0;
  const auto real = canonical(abs, err);
  if (err != 0) {
    if (!written_inside) return refuse();
    if (err == ENOENT || err == ENOTDIR) return make_error(errc::file_not_found, what + " not found: " + abs);
    return make_error(errc::unreadable_file, "cannot read " + what + " " + abs + ": " + std::strerror(err));
  }
  for (const auto& r : roots_)
    if (inside(real, r)) return real;
  return refuse();
}

}  // namespace crowdmesh::stretch
