#pragma once
// The one rule for a node name (mesh config, gateway, install script, clients).
#include <cstddef>
#include <string_view>

namespace crowdmesh {

/// Longest node name, characters.
constexpr std::size_t kMaxNodeNameChars = 64;

/// The rule in words, for error messages.
constexpr const char* kNodeNameRule = "1..64 characters of A-Z, a-z, 0-9, '-' and '_'";

/// True for a valid node name: 1..kMaxNodeNameChars characters of
/// [A-Za-z0-9_-]. The name is a TOML bare key ([nodes.NAME]), the node part
/// of a mesh address (docs/PROTOCOL.md) and a segment of telemetry topics
/// ("tele.NAME.actor"), which is why '.' is not allowed; "*" (every node) is
/// not a name. Pure; thread-safe.
bool valid_node_name(std::string_view name) noexcept;

}  // namespace crowdmesh
