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
    os << what << " " << gain_db << " dB is out of range (allowed " << kMinGainDb << " to +" << kMaxGainDb
       << " dB, or -inf for silence)";
    return make_error(errc::value_out_of_range, os.str());
  }
  if (gain_db <= kMinGainDb) return 0.0f;
  return db_to_gain(static_cast<float>(gain_db));
}

caf::expected<std::uint64_t> ramp_seconds_to_frames(double ramp_seconds, int sample_rate_hz, const std::string& what) {
  if (!(ramp_seconds >= 0.0 && ramp_seconds <= kMaxRampSeconds)) {
    std::ostringstream os;
    os << what << " ramp " << ramp_seconds << " s is out of range (allowed 0 to " << kMaxRampSeconds
       << " s; 0 = a short smoothed step)";
    return make_error(errc::value_out_of_range, os.str());
  }
  return static_cast<std::uint64_t>(std::llround(ramp_seconds * sample_rate_hz));
}

}  // namespace crowdmesh::mixer
