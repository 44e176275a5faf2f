#include "stretch/fill_policy.hpp"

#include <algorithm>

namespace crowdmesh::stretch {

const char* to_string(FillMode mode) {
  switch (mode) {
    case FillMode::emergency: return "emergency";
    case FillMode::urgent: return "urgent";
    case FillMode::normal: return "normal";
    case FillMode::relaxed: return "relaxed";
  }
  return "unknown";
}

FillMode FillPolicy::mode_for(std::size_t available, std::size_t capacity) const {
  const double reserve = capacity == 0 ? 0.0 : static_cast<double>(available) / static_cast<double>(capacity);
  if (reserve < emergency_below) return FillMode::emergency;
  if (reserve < urgent_below) return FillMode::urgent;
  if (reserve < relaxed_from) return FillMode::normal;
  return FillMode::relaxed;
}

std::chrono::milliseconds FillPolicy::interval(FillMode mode) {
  switch (mode) {
    case FillMode::emergency: return std::chrono::milliseconds(2);
    case FillMode::urgent: return std::chrono::milliseconds(5);
    case FillMode::normal: return std::chrono::milliseconds(10);
    case FillMode::relaxed: return std::chrono::milliseconds(100);
  }
  return std::chrono::milliseconds(10);
}

std::chrono::milliseconds FillPolicy::relaxed_interval(std::size_t available, std::size_t capacity,
                                                       int rate_hz) const {
  const auto floor = interval(FillMode::relaxed);
  const double mark = relaxed_from * static_cast<double>(capacity);
  if (rate_hz <= 0 || static_cast<double>(available) <= mark) return floor;
  const auto ms = static_cast<long long>((static_cast<double>(available) - mark) * 1000.0 / rate_hz);
  return std::clamp(std::chrono::milliseconds(ms), floor, kMaxRelaxedInterval);
}

}  // namespace crowdmesh::stretch
