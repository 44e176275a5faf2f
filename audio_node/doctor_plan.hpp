#pragma once
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "crowdmesh/v1/commands.pb.h"

namespace crowdmesh::node {

/// What one RunDoctor asks for, checked against common/doctor_range.hpp and
/// with the defaults filled in.
struct DoctorPlan {
  std::vector<int> periods_frames;  ///< period sizes to measure, frames, in the order asked
  double seconds_per_period = 0;    ///< measurement time per period size, s
  std::string device;               ///< index or name substring; empty = the default output

  /// One phrase naming the run, e.g. "3 period sizes (128, 256, 512 frames)
  /// × 1 s on the default output" (in the reply to a second request).
  std::string describe() const;
};

/// Checks a RunDoctor request. Empty period_frames means 128, 256, 512;
/// seconds_per_period 0 means 1 s. Errors (errc::value_out_of_range, the
/// sentence names the value and the allowed range): more than
/// doctor::kMaxPeriods period sizes, a period outside 16..8192 frames,
/// seconds_per_period NaN, infinite or outside 0.1..10 s (other than 0).
/// Pure.
caf::expected<DoctorPlan> plan_doctor(const crowdmesh::v1::RunDoctor& request);

}  // namespace crowdmesh::node
