// MasterStream::wants_prompt_blocks: the mixer's tap relay drains every 50 ms
// only while someone wants the master stream's blocks that soon.
#include "master_stream.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "telemetry/master_meter.hpp"

namespace crowdmesh::node {
namespace {

TEST(MasterStreamTest, BlocksAreWantedPromptlyOnlyWhileTheMeterIsReadAtFullRate) {
  auto meter = std::make_shared<telemetry::MasterMeter>();
  MasterStream stream("room-a/master", nullptr, nullptr, meter);
  EXPECT_TRUE(stream.wants_prompt_blocks()) << "a meter is read at full rate until the telemetry says otherwise";
  meter->set_read_often(false);  // the telemetry actor: nobody watches
  EXPECT_FALSE(stream.wants_prompt_blocks());
  meter->set_read_often(true);  // someone runs `control_node top`
  EXPECT_TRUE(stream.wants_prompt_blocks());
}

TEST(MasterStreamTest, AStreamFeedingNobodyWantsNoBlocksPromptly) {
  const MasterStream stream("room-a/master", nullptr, nullptr, nullptr);
  EXPECT_FALSE(stream.wants_prompt_blocks());
}

}  // namespace
}  // namespace crowdmesh::node
