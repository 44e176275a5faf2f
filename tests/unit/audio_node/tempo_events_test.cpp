// The mesh-wide tempo event: typed on the wire, checked before it reaches the stretch actor.
#include "tempo_events.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::node {
namespace {

TEST(TempoEventsTest, TempoEventCarriesBpmAndApplyTimeTypedThroughTheWire) {
  const auto env = tempo_event(126.5, 7'000'000'123);
  const std::string bytes = env.SerializeAsString();
  crowdmesh::v1::Envelope back;
  ASSERT_TRUE(back.ParseFromString(bytes));
  ASSERT_TRUE(back.has_event());
  EXPECT_EQ(back.event().kind(), "tempo");
  ASSERT_TRUE(back.event().has_tempo());
  EXPECT_DOUBLE_EQ(back.event().tempo().bpm(), 126.5);
  EXPECT_EQ(back.event().tempo().apply_at_ns(), 7'000'000'123);
  EXPECT_TRUE(back.event().fields().empty()) << "no numbers as text any more";
}

}  // namespace
}  // namespace crowdmesh::node
