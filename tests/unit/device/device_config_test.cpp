#include "device/device_config.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::device {
namespace {

TEST(DeviceConfigTest, DefaultsAreValid) { EXPECT_TRUE(validate(DeviceConfig{})); }

TEST(DeviceConfigTest, VirtualBackendIsValid) {
  DeviceConfig c;
  c.backend = "virtual";
  EXPECT_TRUE(validate(c));
}

TEST(DeviceConfigTest, UnknownBackendIsRejectedByName) {
  DeviceConfig c;
  c.backend = "pulse";
  auto r = validate(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(r.error()).find("'pulse'"), std::string::npos);
}

TEST(DeviceConfigTest, RangeEdgesAreAcceptedAndOutsideRejected) {
  struct Case {
    int DeviceConfig::*field;
    int lo, hi;
  };
  const Case cases[] = {{&DeviceConfig::sample_rate_hz, 8000, 384000},
                        {&DeviceConfig::channels, 1, 32},
                        {&DeviceConfig::input_channels, 0, 32},
                        {&DeviceConfig::period_frames, 16, 8192},
                        {&DeviceConfig::target_periods, 2, 64}};
  for (const auto& k : cases) {
    DeviceConfig c;
    c.*k.field = k.lo;
    EXPECT_TRUE(validate(c)) << k.lo;
    c.*k.field = k.hi;
    EXPECT_TRUE(validate(c)) << k.hi;
    c.*k.field = k.lo - 1;
    EXPECT_FALSE(validate(c)) << k.lo - 1;
    c.*k.field = k.hi + 1;
    EXPECT_FALSE(validate(c)) << k.hi + 1;
  }
}

TEST(DeviceConfigTest, ErrorSentenceNamesValueAndRange) {
  DeviceConfig c;
  c.period_frames = 9;
  auto r = validate(c);
  ASSERT_FALSE(r);
  const auto s = error_sentence(r.error());
  EXPECT_NE(s.find("period"), std::string::npos) << s;
  EXPECT_NE(s.find("9"), std::string::npos) << s;
  EXPECT_NE(s.find("16..8192"), std::string::npos) << s;
}

}  // namespace
}  // namespace crowdmesh::device
