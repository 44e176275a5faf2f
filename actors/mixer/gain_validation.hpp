#pragma once
#include <string>

#include "caf/expected.hpp"

namespace crowdmesh::mixer {

/// Checks a gain in dB against [kMinGainDb, kMaxGainDb] (−inf allowed = silence)
/// and returns the linear factor. `what` names the control in the error
/// ("deck A gain"). Errors: value_out_of_range with the value and the range.
caf::expected<float> gain_db_to_linear(double gain_db, const std::string& what);

}  // namespace crowdmesh::mixer
