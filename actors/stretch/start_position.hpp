#pragma once
#include <cstdint>

#include "caf/expected.hpp"
#include "stretch/source_info.hpp"

namespace crowdmesh::stretch {

/// The file frame a reader opens at for a start position in seconds from the
/// file's start (LoadBuffer at 0, Seek, CueDeck): ⌊seconds × info.file_rate_hz⌋.
/// Errors (errc::value_out_of_range, the sentence names the value, the
/// allowed range and the path): seconds NaN, infinite or negative; past the
/// file's end when its length is known (info.file_frames > 0: allowed
/// 0..length s); beyond what an int64 frame count holds when it is not.
/// The product is formed in double and compared before any conversion, so no
/// input overflows. Pure.
caf::expected<std::int64_t> start_frame_at(double seconds, const SourceInfo& info);

/// A play region of a file in frames: a reader decodes [begin_frame,
/// end_frame) and loops there (SourceConfig::start_frame, loop_begin_frame,
/// end_frame); end_frame 0 = the file's end.
struct FrameRange {
  std::int64_t begin_frame = 0;
  std::int64_t end_frame = 0;
};

/// The frames of [begin_seconds, end_seconds) of a file (a song section):
/// begin as start_frame_at(); end rounded to the nearest frame, and 0 (the
/// file's end) when end_seconds is 0 or at or past the file's end (an
/// analysis may end the last section a little after the last sample). Errors
/// (value_out_of_range, naming the value and the path): those of
/// start_frame_at() for the begin; an end that is NaN, infinite, or not
/// after the begin. Pure.
caf::expected<FrameRange> region_frames(double begin_seconds, double end_seconds, const SourceInfo& info);

}  // namespace crowdmesh::stretch
