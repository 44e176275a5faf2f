#include "mesh/address.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::mesh {
namespace {

TEST(AddressTest, ParsesNodeAndActor) {
  auto a = parse_address("room-a/mixer");
  ASSERT_TRUE(a) << error_sentence(a.error());
  EXPECT_EQ(a->node, "room-a");
  EXPECT_EQ(a->actor, "mixer");
  EXPECT_FALSE(a->every_node());
}

TEST(AddressTest, StarNodeMeansEveryNode) {
  auto a = parse_address("*/mixer");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->every_node());
  EXPECT_EQ(a->actor, "mixer");
}

TEST(AddressTest, EmptyNodeMeansTheNodeReached) {
  auto a = parse_address("/mixer");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->node.empty());
  EXPECT_EQ(a->actor, "mixer");
  EXPECT_FALSE(a->every_node());
}

TEST(AddressTest, ToStringRoundTrips) {
  auto a = parse_address("ctl-laptop_4711.x/cli");
  ASSERT_TRUE(a);
  EXPECT_EQ(to_string(*a), "ctl-laptop_4711.x/cli");
}

TEST(AddressTest, MissingSlashIsRejectedNamingTheText) {
  auto a = parse_address("room-a");
  ASSERT_FALSE(a);
  EXPECT_EQ(error_code(a.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(a.error()).find("'room-a'"), std::string::npos) << error_sentence(a.error());
}

TEST(AddressTest, EmptyPartsAndExtraSlashesAreRejected) {
  for (const char* text : {"", "/", "room-a/", "a/b/c", "*/", "room a/mixer", "room-a/*"}) {
    auto a = parse_address(text);
    EXPECT_FALSE(a) << text;
    if (!a) {
      EXPECT_NE(error_sentence(a.error()).find(std::string("'") + text + "'"), std::string::npos);
    }
  }
}

TEST(AddressTest, OverlongPartIsRejected) {
  EXPECT_TRUE(parse_address(std::string(64, 'n') + "/mixer"));
  EXPECT_FALSE(parse_address(std::string(65, 'n') + "/mixer"));
}

TEST(AddressTest, ControlBytesAreEscapedInTheError) {
  auto a = parse_address(std::string("room\x01\n/mixer"));
  ASSERT_FALSE(a);
  const auto sentence = error_sentence(a.error());
  EXPECT_NE(sentence.find("room\\x01\\x0A/mixer"), std::string::npos) << sentence;
}

TEST(AddressTest, PrintableShortensLongText) {
  const auto out = printable(std::string(500, 'x'), 80);
  EXPECT_EQ(out, std::string(80, 'x') + "...");
}

}  // namespace
}  // namespace crowdmesh::mesh
