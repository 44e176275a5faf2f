#pragma once
// A guard in front of toml++ for text it cannot be trusted with.
#include <string>
#include <string_view>

namespace crowdmesh {

/// Finds, in a TOML document (UTF-8), the first non-ASCII character that
/// toml++ 3.3.0 (Debian 12's libtomlplusplus-dev) would pass to its
/// is_non_ascii_horizontal_whitespace(): one outside a quoted string or a
/// comment (invalid TOML anyway: bare keys and values are ASCII), right after
/// a backslash in a basic string, or first after a multi-line string's
/// line-ending backslash. For the code points in U+00A1..U+0499 (é, ñ, …),
/// U+2D6E..U+3167 and U+FB46..U+FEFE that function reaches
/// __builtin_unreachable(), undefined behaviour (marzer/tomlplusplus#295,
/// found by tests/fuzz/mesh_config_fuzz under UBSan); toml++ must not see
/// such a text. Comments and the inside of strings may hold any UTF-8.
/// Limit: this follows a well-formed document's tokens; toml++ also scans a
/// malformed value on into a string (`r =6["…ﻷ`), which is not modelled
/// (the fuzzer skips those code points; escaping them inside strings before
/// parsing would close that too).
///
/// Returns "" when toml++ may parse `text`, else the position and the reason
/// as "LINE:COLUMN: SENTENCE" (1-based; the column counts characters, as
/// toml++'s own errors do), e.g. `2:3: the character U+00E9 ('é') is outside
/// a quoted string or a comment (TOML allows non-ASCII characters only
/// there)`. Pure; any thread.
std::string toml_unsafe_character(std::string_view text);

}  // namespace crowdmesh
