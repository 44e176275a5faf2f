#include "device/backend_factory.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::device {
namespace {

TEST(BackendFactoryTest, MakesVirtualBackend) {
  DeviceConfig c;
  c.backend = "virtual";
  c.realtime = false;
  auto b = make_backend(c);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)->description().rfind("virtual", 0), 0u);
  EXPECT_TRUE((*b)->paced_by_data());
}

TEST(BackendFactoryTest, MakesPortAudioBackendWithoutOpeningIt) {
  auto b = make_backend(DeviceConfig{});
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)->description(), "PortAudio (not started)");
  EXPECT_FALSE((*b)->paced_by_data());
}

TEST(BackendFactoryTest, RejectsInvalidConfig) {
  DeviceConfig c;
  c.channels = 0;
  auto b = make_backend(c);
  ASSERT_FALSE(b);
  EXPECT_EQ(error_code(b.error()), errc::value_out_of_range);
}

}  // namespace
}  // namespace crowdmesh::device
