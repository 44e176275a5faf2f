#include "stretch/start_position.hpp"

#include <cmath>
#include <string>

#include "common/error.hpp"
#include "common/log.hpp"

namespace crowdmesh::stretch {

namespace {

// Largest double below 2^63: every frame count under it converts to int64.
constexpr double kInt64Limit = 9223372036854774784.0;

}  // namespace

caf::expected<std::int64_t> start_frame_at(double seconds, const SourceInfo& info) {
  const double rate = info.file_rate_hz > 0 ? static_cast<double>(info.file_rate_hz) : 0.0;
  const bool known_length = info.file_frames > 0 && rate > 0;
  const double length_s = known_length ? static_cast<double>(info.file_frames) / rate : 0.0;
  const double frames = seconds * rate;
  const bool in_range = std::isfinite(seconds) && seconds >= 0 &&
                        (known_length ? frames <= static_cast<double>(info.file_frames) : frames < kInt64Limit);
  if (!in_range)
    return make_error(errc::value_out_of_range,
                      known_length ? fmt::format("start position {:g} s is out of range (allowed: 0 to {:g} s, the "
                                                 "length of {})",
                                                 seconds, length_s, info.path)
                                   : fmt::format("start position {:g} s is out of range (allowed: 0 s to the end of {})",
                                                 seconds, info.path));
  return static_cast<std::int64_t>(frames);
}

caf::expected<FrameRange> region_frames(double begin_seconds, double end_seconds, const SourceInfo& info) {
  auto begin = start_frame_at(begin_seconds, info);
  if (!begin) return begin.error();
  if (end_seconds == 0) return FrameRange{*begin, 0};
  const double rate = static_cast<double>(info.file_rate_hz);
  const double end = std::round(end_seconds * rate);
  if (!std::isfinite(end_seconds) || end_seconds <= begin_seconds || end <= static_cast<double>(*begin))
    return make_error(errc::value_out_of_range,
                      fmt::format("end position {:g} s of {} is out of range (allowed: after the start, {:g} s)",
                                  end_seconds, info.path, begin_seconds));
  const bool past_end = info.file_frames > 0 && end >= static_cast<double>(info.file_frames);
  if (past_end || end >= kInt64Limit) return FrameRange{*begin, 0};
  return FrameRange{*begin, static_cast<std::int64_t>(end)};
}

}  // namespace crowdmesh::stretch
