#include "common/node_name.hpp"

#include <algorithm>
#include <cctype>

namespace crowdmesh {

bool valid_node_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= kMaxNodeNameChars && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  });
}

}  // namespace crowdmesh
