#include "mesh/address.hpp"

#include <cstdio>

#include "common/error.hpp"

namespace crowdmesh::mesh {
namespace {

constexpr std::size_t kMaxPartChars = 64;

bool valid_part(std::string_view part) {
  if (part.empty() || part.size() > kMaxPartChars) return false;
  for (char c : part) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

caf::expected<Address> parse_address(const std::string& text) {
  const auto slash = text.find('/');
  auto fail = [&] {
    return make_error(errc::value_out_of_range, "malformed address '" + printable(text) +
                                                    "': expected node/actor, each 1-64 characters of A-Z a-z 0-9 . _ - "
                                                    "(node may be '*', or empty for the node reached)");
  };
  if (slash == std::string::npos || text.find('/', slash + 1) != std::string::npos) return fail();
  Address out{text.substr(0, slash), text.substr(slash + 1)};
  if (!(out.node.empty() || out.node == "*" || valid_part(out.node)) || !valid_part(out.actor)) return fail();
  return out;
}

std::string to_string(const Address& address) { return address.node + "/" + address.actor; }

std::string printable(std::string_view text, std::size_t max_chars) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace crowdmesh::mesh
