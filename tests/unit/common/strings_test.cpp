#include "common/strings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crowdmesh {
namespace {

TEST(StringsTest, JoinPutsTheSeparatorBetweenItemsAndKeepsEmptyOnes) {
  EXPECT_EQ(join(std::vector<std::string>{"a", "", "b"}), "a, , b");
  EXPECT_EQ(join(std::vector<std::string>{"x"}, "|"), "x");
  EXPECT_EQ(join(std::vector<std::string>{}), "");
}

TEST(StringsTest, JoinNonEmptySkipsEmptyItems) {
  EXPECT_EQ(join_non_empty(std::vector<std::string>{"", "a", "", "b", ""}), "a, b");
  EXPECT_EQ(join_non_empty({"virtual", "", "hw:1"}, " "), "virtual hw:1");
}

TEST(StringsTest, SplitKeepsEmptyItemsAndTheTail) {
  EXPECT_EQ(split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(split("57122", ','), (std::vector<std::string>{"57122"}));
  EXPECT_EQ(split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(split("a,", ','), (std::vector<std::string>{"a", ""}));
}

}  // namespace
}  // namespace crowdmesh
