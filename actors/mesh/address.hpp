#pragma once
#include <string>
#include <string_view>

#include "caf/expected.hpp"

namespace crowdmesh::mesh {

/// A mesh address "node/actor" (docs/PROTOCOL.md, Addressing). node "*" = the
/// actor on every node.
struct Address {
  /// Node name from the mesh config, "*" (every node), or empty: the node
  /// whose gateway received the message ("/mixer" = "the node you reach").
  std::string node;
  /// Actor role name, e.g. "mixer", "clock", "gateway".
  std::string actor;
  /// True for node "*" (fan out to every node).
  bool every_node() const { return node == "*"; }
};

/// Parses "node/actor". Each part is 1..64 characters of [A-Za-z0-9._-]; node
/// may also be "*" or empty (the receiving node). Errors: errc::value_out_of_range with a sentence naming the
/// text (escaped and shortened if it is not printable). Thread-safe (pure).
caf::expected<Address> parse_address(const std::string& text);

/// "node/actor". Thread-safe (pure).
std::string to_string(const Address& address);

/// Renders external text for an error message or a log line: non-printable
/// bytes become \xNN and text longer than max_chars is cut with "...".
/// Thread-safe (pure).
std::string printable(std::string_view text, std::size_t max_chars = 80);

}  // namespace crowdmesh::mesh
