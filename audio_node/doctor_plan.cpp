#include "doctor_plan.hpp"

#include <cmath>

#include "common/doctor_range.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/strings.hpp"
#include "device/device_probe.hpp"

namespace crowdmesh::node {

namespace {

caf::error out_of_range(const std::string& sentence) { return make_error(errc::value_out_of_range, sentence); }

std::string periods_range() {
  return fmt::format("at most {} sizes, each {}..{} frames", doctor::kMaxPeriods, doctor::kMinPeriodFrames,
                     doctor::kMaxPeriodFrames);
}

}  // namespace

std::string DoctorPlan::describe() const {
  return fmt::format("{} period size{} ({} frames) × {:g} s on {}", periods_frames.size(),
                     periods_frames.size() == 1 ? "" : "s", join_numbers(periods_frames), seconds_per_period,
                     device.empty() ? std::string("the default output") : "device '" + device + "'");
}

caf::expected<DoctorPlan> plan_doctor(const crowdmesh::v1::RunDoctor& request) {
  const int count = request.period_frames_size();
  if (count > doctor::kMaxPeriods)
    return out_of_range(fmt::format("doctor: {} period sizes is out of range ({})", count, periods_range()));
  DoctorPlan plan;
  for (std::uint32_t p : request.period_frames()) {
    if (p < doctor::kMinPeriodFrames || p > doctor::kMaxPeriodFrames)
      return out_of_range(fmt::format("doctor: period {} frames is out of range ({})", p, periods_range()));
    plan.periods_frames.push_back(static_cast<int>(p));
  }
  if (plan.periods_frames.empty()) plan.periods_frames = device::kProbedPeriodsFrames;
  const double s = request.seconds_per_period();
  if (s == 0) {
    plan.seconds_per_period = doctor::kDefaultSecondsPerPeriod;
  } else if (std::isfinite(s) && s >= doctor::kMinSecondsPerPeriod && s <= doctor::kMaxSecondsPerPeriod) {
    plan.seconds_per_period = s;
  } else {
    return out_of_range(fmt::format("doctor: {:g} s per period is out of range ({:g}..{:g} s; 0 = {:g} s)", s,
                                    doctor::kMinSecondsPerPeriod, doctor::kMaxSecondsPerPeriod,
                                    doctor::kDefaultSecondsPerPeriod));
  }
  plan.device = request.device();
  return plan;
}

}  // namespace crowdmesh::node
