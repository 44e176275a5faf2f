// RunDoctor requests are bounded before a run starts. Before these limits a
// request could ask for any number of period sizes (each measured for up to
// 10 s, so a 1000-entry list held a device and a thread for hours) and a NaN
// seconds_per_period slipped past the range check (NaN compares false).
#include "doctor_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::node {
namespace {

namespace v1 = crowdmesh::v1;

v1::RunDoctor request(std::initializer_list<std::uint32_t> periods, double seconds) {
  v1::RunDoctor r;
  for (auto p : periods) r.add_period_frames(p);
  r.set_seconds_per_period(seconds);
  return r;
}

void expect_refused(const v1::RunDoctor& r, const std::string& value, const std::string& range) {
  auto plan = plan_doctor(r);
  ASSERT_FALSE(plan) << "accepted: " << plan->describe();
  EXPECT_EQ(error_code(plan.error()), errc::value_out_of_range);
  const std::string sentence = error_sentence(plan.error());
  EXPECT_NE(sentence.find(value), std::string::npos) << sentence;
  EXPECT_NE(sentence.find(range), std::string::npos) << sentence;
}

TEST(DoctorPlanTest, EmptyRequestMeasuresThreeDefaultPeriodsForOneSecondEach) {
  auto plan = plan_doctor(v1::RunDoctor{});
  ASSERT_TRUE(plan) << error_sentence(plan.error());
  EXPECT_EQ(plan->periods_frames, (std::vector<int>{128, 256, 512}));
  EXPECT_DOUBLE_EQ(plan->seconds_per_period, 1.0);
  EXPECT_EQ(plan->describe(), "3 period sizes (128, 256, 512 frames) × 1 s on the default output");
}

TEST(DoctorPlanTest, EightPeriodsAtTheRangeEdgesAreAccepted) {
  auto plan = plan_doctor(request({16, 32, 64, 128, 256, 512, 1024, 8192}, 10.0));
  ASSERT_TRUE(plan) << error_sentence(plan.error());
  EXPECT_EQ(plan->periods_frames.size(), 8u);
  EXPECT_TRUE(plan_doctor(request({256}, 0.1)));
}

TEST(DoctorPlanTest, NinePeriodSizesAreRefusedNamingTheCountAndTheLimit) {
  expect_refused(request({16, 32, 64, 128, 256, 512, 1024, 2048, 4096}, 1.0), "9 period sizes", "at most 8 sizes");
}

TEST(DoctorPlanTest, ThousandPeriodSizesAreRefused) {
  v1::RunDoctor r;
  for (int i = 0; i < 1000; ++i) r.add_period_frames(256);
  expect_refused(r, "1000 period sizes", "at most 8 sizes, each 16..8192 frames");
}

TEST(DoctorPlanTest, PeriodOutsideTheDeviceRangeIsRefusedWithItsExactValue) {
  expect_refused(request({15}, 1.0), "period 15 frames", "16..8192 frames");
  expect_refused(request({8193}, 1.0), "period 8193 frames", "16..8192 frames");
  // Not read as a negative int.
  expect_refused(request({4294967295u}, 1.0), "period 4294967295 frames", "16..8192 frames");
}

TEST(DoctorPlanTest, SecondsPerPeriodOutsideTenthToTenIsRefused) {
  expect_refused(request({}, 0.05), "0.05 s per period", "0.1..10 s; 0 = 1 s");
  expect_refused(request({}, 10.5), "10.5 s per period", "0.1..10 s");
  expect_refused(request({}, -1.0), "-1 s per period", "0.1..10 s");
  expect_refused(request({}, 1e300), "1e+300 s per period", "0.1..10 s");
}

TEST(DoctorPlanTest, NonFiniteSecondsPerPeriodIsRefused) {
  expect_refused(request({}, std::numeric_limits<double>::quiet_NaN()), "nan s per period", "0.1..10 s");
  expect_refused(request({}, std::numeric_limits<double>::infinity()), "inf s per period", "0.1..10 s");
}

}  // namespace
}  // namespace crowdmesh::node
