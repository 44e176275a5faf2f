#pragma once
#include <cstdint>
#include <string>

#include "caf/expected.hpp"

namespace crowdmesh::mixer {

/// Checks a gain in dB against [kMinGainDb, kMaxGainDb] (−inf allowed = silence)
/// and returns the linear factor. `what` names the control in the error
/// ("deck A gain"). Errors: value_out_of_range with the value and the range.
caf::expected<float> gain_db_to_linear(double gain_db, const std::string& what);

/// Checks a ramp length in s against [0, kMaxRampSeconds] and returns it in
/// frames at `sample_rate_hz` (rounded). `what` names the control ("deck A
/// gain"). Errors: value_out_of_range with the value and the range.
caf::expected<std::uint64_t> ramp_seconds_to_frames(double ramp_seconds, int sample_rate_hz, const std::string& what);

}  // namespace crowdmesh::mixer
