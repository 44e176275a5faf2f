// The guard in front of toml++ 3.3.0: no non-ASCII character reaches its
// whitespace test (undefined behaviour there), and UTF-8 in strings and
// comments stays allowed.
#include "common/toml_text_check.hpp"

#include <gtest/gtest.h>

namespace crowdmesh {
namespace {

TEST(TomlTextCheckTest, Utf8InsideStringsAndCommentsIsLetThrough) {
  const char* text =
      "# salle de bal, été\n"
      "[nodes.salle]\n"
      "title = \"Salle été \\\"grande\\\" ñ\"\n"
      "path = '/música/señal.wav'\n"
      "notes = \"\"\"première\n  ligne ü\"\"\"\n"
      "raw = '''ß\n€'''\n"
      "joined = \"\"\"a \\\n   b é\"\"\"\n"
      "escaped = \"\\u00e9\"  # é\n";
  EXPECT_EQ(toml_unsafe_character(text), "");
}

TEST(TomlTextCheckTest, NonAsciiOutsideAStringIsNamedWithLineAndColumn) {
  EXPECT_EQ(toml_unsafe_character("[mesh]\nclé = 1\n"),
            "2:3: the character U+00E9 ('é') is outside a quoted string or a comment (TOML allows non-ASCII "
            "characters only there)");
  EXPECT_EQ(toml_unsafe_character("a = \"x\" é\n").rfind("1:9: the character U+00E9 ('é') is outside", 0), 0u);
}

TEST(TomlTextCheckTest, TheFuzzersCrashInputIsRefusedBeforeToml) {
  // tests/fuzz/mesh_config_fuzz: "sn 〔 " made toml++ reach __builtin_unreachable().
  EXPECT_EQ(toml_unsafe_character("sn \xe3\x80\x94 \nsL/@").rfind("1:4: the character U+3014 ('\xe3\x80\x94') is outside", 0),
            0u);
}

TEST(TomlTextCheckTest, NonAsciiRightAfterABackslashInAStringIsRefused) {
  EXPECT_NE(toml_unsafe_character("a = \"x\\é\"\n").find("follows a backslash"), std::string::npos);
  EXPECT_NE(toml_unsafe_character("a = \"\"\"x\\é\"\"\"\n").find("follows a backslash"), std::string::npos);
  EXPECT_NE(toml_unsafe_character("a = \"\"\"x \\\n\n   é\"\"\"\n").find("after a line-ending backslash"),
            std::string::npos);
}

TEST(TomlTextCheckTest, AStringEndsWhereItsDelimiterIsAndNotAtAnEscapedOne) {
  EXPECT_EQ(toml_unsafe_character("a = \"x\\\"é\"\n"), "") << "the escaped quote leaves é inside the string";
  EXPECT_NE(toml_unsafe_character("a = 'x\\'é'\n"), "") << "a literal string has no escapes: é is outside";
  EXPECT_NE(toml_unsafe_character("a = \"\"\"x\"\"\" é\n"), "") << "after the closing \"\"\"";
  EXPECT_NE(toml_unsafe_character("# c\né = 1\n"), "") << "a comment ends at its line";
}

}  // namespace
}  // namespace crowdmesh
