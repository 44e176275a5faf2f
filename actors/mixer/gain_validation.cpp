#include "mixer/gain_validation.hpp"

#include <cmath>
#include <sstream>

#include "common/decibel.hpp"
#include "common/error.hpp"
#include "mixer/mixer_config.hpp"

namespace crowdmesh::mixer {

caf::expected<float> gain_db_to_linear(double gain_db, const std::string& what) {
  if (std::isnan(gain_db) || gain_db > kMaxGainDb || gain_db == INFINITY) {
    std::ostringstream os;
    os << what << " " << gain_db << " dB is out of range (allowed " << kMinGainDb << " to +"
       << kMaxGainDb << " dB, or -inf for silence)";
    return make_error(errc::value_out_of_range, os.str());
  }
  if (gain_db <= kMinGainDb) return 0.0f;
  return db_to_gain(static_cast<float>(gain_db));
}

}  // namespace crowdmesh::mixer
