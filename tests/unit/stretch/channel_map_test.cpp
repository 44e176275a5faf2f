#include "stretch/channel_map.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace crowdmesh::stretch {
namespace {

TEST(ChannelMapTest, EqualChannelCountsCopyUnchanged) {
  const std::vector<float> in = {0.1f, 0.2f, 0.3f, 0.4f};
  std::vector<float> out(4);
  map_channels(in.data(), 2, out.data(), 2, 2);
  EXPECT_EQ(out, in);
}

TEST(ChannelMapTest, MonoIsCopiedToEveryDeviceChannel) {
  const std::vector<float> in = {0.5f, -0.25f};
  std::vector<float> out(6);
  map_channels(in.data(), 1, out.data(), 3, 2);
  EXPECT_EQ(out, (std::vector<float>{0.5f, 0.5f, 0.5f, -0.25f, -0.25f, -0.25f}));
}

TEST(ChannelMapTest, MonoDeviceGetsTheAverageOfAllChannels) {
  const std::vector<float> in = {0.2f, 0.4f, 0.6f, 1.0f, -1.0f, 0.0f};
  std::vector<float> out(2);
  map_channels(in.data(), 3, out.data(), 1, 2);
  EXPECT_FLOAT_EQ(out[0], 0.4f);
  EXPECT_FLOAT_EQ(out[1], 0.0f);
}

TEST(ChannelMapTest, StereoOnFourChannelsFillsFirstTwoAndSilencesTheRest) {
  const std::vector<float> in = {0.1f, 0.2f};
  std::vector<float> out(4, 9.0f);
  map_channels(in.data(), 2, out.data(), 4, 1);
  EXPECT_EQ(out, (std::vector<float>{0.1f, 0.2f, 0.0f, 0.0f}));
}

TEST(ChannelMapTest, ExtraFileChannelsFoldIntoEachKeptChannelAtMinus3Db) {
  const std::vector<float> in = {0.1f, 0.2f, 0.3f, 0.5f};  // 4 channels → stereo
  std::vector<float> out(2);
  map_channels(in.data(), 4, out.data(), 2, 1);
  EXPECT_FLOAT_EQ(out[0], 0.1f + kFoldDownGain * 0.8f);
  EXPECT_FLOAT_EQ(out[1], 0.2f + kFoldDownGain * 0.8f);
}

}  // namespace
}  // namespace crowdmesh::stretch
