#include "common/toml_text_check.hpp"

#include <cstdio>
#include <utility>

namespace crowdmesh {

namespace {

// The code point starting at text[i] (a lead byte >= 0x80) and its length in
// bytes; a malformed sequence gives its first byte and 1 (toml++ reports it).
std::pair<char32_t, std::size_t> decode(std::string_view text, std::size_t i) {
  const auto b = static_cast<unsigned char>(text[i]);
  std::size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
  if (n == 1 || i + n > text.size()) return {b, 1};
  char32_t c = b & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) {
    const auto cont = static_cast<unsigned char>(text[i + k]);
    if ((cont & 0xC0) != 0x80) return {b, 1};
    c = (c << 6) | (cont & 0x3F);
  }
  return {c, n};
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

enum class State { normal, comment, basic, literal, ml_basic, ml_literal };

}  // namespace

std::string toml_unsafe_character(std::string_view text) {
  State st = State::normal;
  std::size_t line = 1, column = 1;
  // In a basic string: the next character follows a backslash; in a
  // multi-line one, whitespace after a line-ending backslash is being trimmed.
  bool after_backslash = false, trimming = false;
  auto starts = [&](std::size_t i, std::string_view s) { return text.substr(i, s.size()) == s; };
  for (std::size_t i = 0; i < text.size();) {
    const char ch = text[i];
    const auto byte = static_cast<unsigned char>(ch);
    std::size_t len = 1;
    if (byte >= 0x80) {
      auto [cp, n] = decode(text, i);
      len = n;
      const char* why = nullptr;
      if (st == State::normal)
        why = "is outside a quoted string or a comment (TOML allows non-ASCII characters only there)";
      else if (after_backslash)
        why = "follows a backslash in a string (escape it as \\uXXXX)";
      else if (trimming)
        why = "is the first character after a line-ending backslash (escape it as \\uXXXX, or join the lines)";
      if (why) {
        char code[16];
        std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
        return std::to_string(line) + ":" + std::to_string(column) + ": the character " + code + " ('" +
               std::string(text.substr(i, len)) + "') " + why;
      }
      after_backslash = trimming = false;
    } else {
      switch (st) {
        case State::normal:
          if (ch == '#') st = State::comment;
          else if (starts(i, "\"\"\"")) st = State::ml_basic, len = 3;
          else if (starts(i, "'''")) st = State::ml_literal, len = 3;
          else if (ch == '"') st = State::basic;
          else if (ch == '\'') st = State::literal;
          break;
        case State::comment:
          if (ch == '\n') st = State::normal;
          break;
        case State::literal:
          if (ch == '\'' || ch == '\n') st = State::normal;
          break;
        case State::ml_literal:
          if (starts(i, "'''")) st = State::normal, len = 3;
          break;
        case State::basic:
        case State::ml_basic:
          if (after_backslash) {
            after_backslash = false;
            trimming = st == State::ml_basic && is_space(ch);
            break;
          }
          if (trimming) {
            if (is_space(ch)) break;
            trimming = false;
          }
          if (ch == '\\')
            after_backslash = true;
          else if (st == State::basic && (ch == '"' || ch == '\n'))
            st = State::normal;
          else if (st == State::ml_basic && starts(i, "\"\"\""))
            st = State::normal, len = 3;
          break;
      }
    }
    for (std::size_t k = 0; k < len; ++k) {
      if (text[i + k] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    i += len;
  }
  return "";
}

}  // namespace crowdmesh
