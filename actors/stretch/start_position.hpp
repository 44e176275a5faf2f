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

}  // namespace crowdmesh::stretch
