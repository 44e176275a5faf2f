#include "tempo/movement_bpm_curve.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::tempo {

namespace {
std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}
}  // namespace

MovementBpmCurve::MovementBpmCurve(const MovementBpmSettings& s) : s_(s) {}

double MovementBpmCurve::target_bpm(double movement) const {
  const double m = std::isnan(movement) ? 0.0 : std::clamp(movement, 0.0, 1.0);
  if (m >= s_.medium) {
    const double range = s_.movement_max_value - s_.medium;
    if (!(range > 0.0)) return s_.bpm_high_max;
    const double factor = std::min((m - s_.medium) / range, 1.0);
    return s_.bpm_medium + factor * (s_.bpm_high_max - s_.bpm_medium);
  }
  if (m < s_.very_very_low) return s_.bpm_very_very_low;
  if (m < s_.very_low) return s_.bpm_very_low;
  if (m < s_.low) return s_.bpm_low;
  return s_.bpm_medium;
}

caf::expected<double> MovementBpmCurve::validate_movement(double raw) {
  if (!std::isfinite(raw) || raw < 0.0)
    return make_error(
        errc::value_out_of_range,
        "movement " + number(raw) + " is out of range: allowed a finite value >= 0 (values above 1 are clamped to 1)");
  return raw > 1.0 ? 1.0 : (raw > 0.0 ? raw : 0.0);
}

}  // namespace crowdmesh::tempo
