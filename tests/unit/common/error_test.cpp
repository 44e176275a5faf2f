#include "common/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace crowdmesh {
namespace {

TEST(ErrorTest, MakeErrorKeepsCodeAndSentence) {
  auto err = make_error(errc::file_not_found, "file not found: /tmp/nope.wav");
  EXPECT_EQ(error_code(err), errc::file_not_found);
  EXPECT_EQ(error_sentence(err), "file not found: /tmp/nope.wav");
}

TEST(ErrorTest, RequestTimeoutMapsToTimeoutCode) {
  caf::error err = caf::sec::request_timeout;
  EXPECT_EQ(error_code(err), errc::timeout);
  EXPECT_EQ(error_sentence(err), "request timed out");
}

TEST(ErrorTest, EveryCodeHasADistinctName) {
  std::set<std::string> names;
  for (int c = static_cast<int>(errc::file_not_found); c <= static_cast<int>(errc::not_allowed); ++c)
    names.insert(to_string(static_cast<errc>(c)));
  EXPECT_EQ(names.size(), static_cast<size_t>(errc::not_allowed));
  EXPECT_EQ(names.count("unknown_error"), 0u);
}

TEST(ErrorTest, RendererShowsCodeNameAndSentence) {
  auto err = make_error(errc::unknown_deck, "unknown deck 'E' (allowed: A, B, C, D)");
  EXPECT_EQ(render_error(err.code(), err.category(), err.context()),
            "crowdmesh::unknown_deck: unknown deck 'E' (allowed: A, B, C, D)");
}

}  // namespace
}  // namespace crowdmesh
