#include "mesh/curve_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>
#include <zmq.h>

#include "common/error.hpp"
#include "common/toml_text_check.hpp"
#include "common/z85_key.hpp"

namespace crowdmesh::mesh {
namespace {

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

}  // namespace

caf::expected<CurveKeyPair> generate_curve_key_pair() {
  char pub[41] = {};
  char sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    return make_error(errc::internal, std::string("cannot make a CURVE key pair: ") + zmq_strerror(zmq_errno()) +
                                          " (libzmq without CURVE support?)");
  return CurveKeyPair{pub, sec};
}

caf::expected<CurveKeyPair> read_curve_key_file(const std::string& path) {
  const std::string abs = absolute(path);
  struct stat st {};
  if (::stat(abs.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return make_error(errc::file_not_found, "key file " + abs +
                                                  " does not exist (make one with `control_node keygen --out " + abs +
                                                  "`)");
    return make_error(errc::unreadable_file, "key file " + abs + " cannot be read: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return make_error(errc::unreadable_file, "key file " + abs + " is not a regular file");
  if (st.st_mode & 077)
    return make_error(errc::not_allowed, "key file " + abs + " may be read by others (mode " +
                                             octal_mode(st.st_mode) + "); a secret key must be private: chmod 600 " +
                                             abs);
  std::ifstream in(abs);
  if (!in) return make_error(errc::unreadable_file, "key file " + abs + " cannot be opened: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (auto where = toml_unsafe_character(text.str()); !where.empty())
    return make_error(errc::unreadable_file, "key file " + abs + ":" + where + ": not a key file");
  toml::table t;
  try {
    t = toml::parse(text.str(), abs);
  } catch (const toml::parse_error& e) {
    return make_error(errc::unreadable_file, "key file " + abs + ":" + std::to_string(e.source().begin.line) +
                                                 " is not a key file: " + std::string(e.description()));
  }
  CurveKeyPair pair;
  for (auto [key, out] : {std::pair<const char*, std::string*>{"public_key", &pair.public_key},
                          std::pair<const char*, std::string*>{"secret_key", &pair.secret_key}}) {
    auto v = t[key].value<std::string>();
    if (!v)
      return make_error(errc::unreadable_file, "key file " + abs + " has no " + key +
                                                   " (a key file holds public_key and secret_key, as written by "
                                                   "control_node keygen)");
    const std::string problem = z85_key_problem(*v);
    if (!problem.empty())
      return make_error(errc::unreadable_file, "key file " + abs + ": " + key + " " + problem);
    *out = *v;
  }
  char derived[41] = {};
  if (zmq_curve_public(derived, pair.secret_key.c_str()) != 0 || pair.public_key != derived)
    return make_error(errc::unreadable_file, "key file " + abs +
                                                 ": public_key is not the public half of secret_key (the file was "
                                                 "edited or mixes two pairs)");
  return pair;
}

caf::expected<void> write_curve_key_file(const std::string& path, const CurveKeyPair& pair, const std::string& label) {
  namespace fs = std::filesystem;
  const std::string abs = absolute(path);
  const fs::path parent = fs::path(abs).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) return make_error(errc::io_error, "cannot create folder " + parent.string() + ": " + ec.message());
    fs::permissions(parent, fs::perms::owner_all, ec);
  }
  const int fd = ::open(abs.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return make_error(errc::value_out_of_range, "key file " + abs +
                                                      " already exists; keygen never overwrites a key (remove it "
                                                      "first, or choose another --out)");
    return make_error(errc::io_error, "cannot create key file " + abs + ": " + std::strerror(errno));
  }
  const std::string text = "# Crowdmesh CURVE key pair of \"" + label +
                           "\" (control_node keygen).\n"
                           "# The secret key never leaves this machine: keep this file mode 0600.\n"
                           "# Put the public key in the mesh config (docs/SECURITY.md).\n"
                           "public_key = \"" + pair.public_key + "\"\n" +
                           "secret_key = \"" + pair.secret_key + "\"\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(abs.c_str());
      return make_error(errc::io_error, "cannot write key file " + abs + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return make_error(errc::io_error, "cannot write key file " + abs + ": " + std::strerror(errno));
  return caf::unit;
}

}  // namespace crowdmesh::mesh
