#include "mixer/downbeat_switch.hpp"

#include <algorithm>
#include <cmath>

namespace crowdmesh::mixer {

std::optional<DownbeatSwitch> next_downbeat_switch(const std::vector<double>& downbeats, const PlayRegion& region,
                                                   double position_seconds, double tempo_ratio, std::int64_t pts_ns,
                                                   double lead_seconds) {
  if (!(tempo_ratio > 0) || !std::isfinite(position_seconds)) return std::nullopt;
  const double min_ahead = std::max(lead_seconds, 0.0) * tempo_ratio;  // file seconds
  const bool looping = region.loop && region.end_seconds > region.begin_seconds;
  const double lap = looping ? region.end_seconds - region.begin_seconds : 0.0;
  std::optional<DownbeatSwitch> best;
  auto consider = [&](double d) {
    double ahead = 0;
    if (!looping) {
      ahead = d - position_seconds;
      if (ahead < min_ahead) return;
    } else {
      if (d < region.begin_seconds || d > region.end_seconds) return;
      ahead = d >= position_seconds ? d - position_seconds
                                    : (region.end_seconds - position_seconds) + (d - region.begin_seconds);
      if (ahead < min_ahead) ahead += std::ceil((min_ahead - ahead) / lap) * lap;
    }
    if (!best || ahead < best->file_seconds_ahead) best = DownbeatSwitch{d, ahead, 0};
  };
  if (looping) consider(region.end_seconds);  // first: at the wrap, the end names the point, not the begin
  for (double d : downbeats) consider(d);
  if (!best) return std::nullopt;
  best->at_ns = pts_ns + static_cast<std::int64_t>(std::llround(best->file_seconds_ahead / tempo_ratio * 1e9));
  return best;
}

}  // namespace crowdmesh::mixer
