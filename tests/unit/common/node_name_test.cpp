#include "common/node_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace crowdmesh {
namespace {

TEST(NodeNameTest, LettersDigitsDashAndUnderscoreUpTo64AreValid) {
  EXPECT_TRUE(valid_node_name("room-a"));
  EXPECT_TRUE(valid_node_name("Room_2"));
  EXPECT_TRUE(valid_node_name(std::string(64, 'a')));
}

TEST(NodeNameTest, DotsSlashesStarsSpacesEmptyAndTooLongAreInvalid) {
  EXPECT_FALSE(valid_node_name(""));
  EXPECT_FALSE(valid_node_name(std::string(65, 'a')));
  EXPECT_FALSE(valid_node_name("room.a"));  // would split telemetry topics tele.<node>.<actor>
  EXPECT_FALSE(valid_node_name("room/a"));
  EXPECT_FALSE(valid_node_name("*"));
  EXPECT_FALSE(valid_node_name("room a"));
  EXPECT_FALSE(valid_node_name("salle-\xc3\xa9"));
}

}  // namespace
}  // namespace crowdmesh
