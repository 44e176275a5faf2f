#pragma once
// Small string helpers shared by every part of Crowdmesh (one copy of each).
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace crowdmesh {

/// Joins the items of `parts` (anything convertible to std::string_view:
/// std::string, const char*) with `separator` between them: {"a", "b"} ->
/// "a, b". Empty items are kept. Pure.
template <class Range>
std::string join(const Range& parts, std::string_view separator = ", ") {
  std::string out;
  bool first = true;
  for (const auto& p : parts) {
    if (!first) out += separator;
    out += std::string_view(p);
    first = false;
  }
  return out;
}

/// As join(), skipping empty items: {"a", "", "b"} -> "a, b". Pure.
template <class Range>
std::string join_non_empty(const Range& parts, std::string_view separator = ", ") {
  std::string out;
  for (const auto& p : parts) {
    const std::string_view v(p);
    if (v.empty()) continue;
    if (!out.empty()) out += separator;
    out += v;
  }
  return out;
}

/// Splits `text` at every `separator`, keeping empty items: "a,b,,c" ->
/// {"a", "b", "", "c"}; "" -> {""}. Pure.
inline std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(separator, start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

/// join_non_empty() of a braced list: join_non_empty({a, b}, " "). Pure.
inline std::string join_non_empty(std::initializer_list<std::string_view> parts, std::string_view separator = ", ") {
  return join_non_empty<std::initializer_list<std::string_view>>(parts, separator);
}

/// Joins numbers with std::to_string: {8000, 11025} -> "8000, 11025". Pure.
template <class Range>
std::string join_numbers(const Range& values, std::string_view separator = ", ") {
  std::string out;
  bool first = true;
  for (const auto& v : values) {
    if (!first) out += separator;
    out += std::to_string(v);
    first = false;
  }
  return out;
}

}  // namespace crowdmesh
