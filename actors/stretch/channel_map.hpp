#pragma once
#include <cstddef>

namespace crowdmesh::stretch {

/// Gain applied to each file channel beyond the device channel count when it is
/// folded into the kept channels: −3 dB (1/√2), the usual equal-power fold-down.
inline constexpr float kFoldDownGain = 0.70710678f;

/// Maps `frames` interleaved frames of `in_channels` channels in `in` to
/// `out_channels` channels in `out` (both ≥ 1; buffers must not overlap).
///
/// Rule, first match wins:
///  1. in == out: identity copy.
///  2. in == 1 (mono file): the sample is copied to every device channel.
///  3. out == 1 (mono device): the average of all file channels.
///  4. in < out (e.g. stereo file on a 4-channel device): the file channels go to
///     the first `in` device channels; the other device channels are silent.
///  5. in > out ≥ 2: device channel c = file channel c + kFoldDownGain × (sum of
///     file channels out..in−1). No normalisation: the sum may exceed full scale;
///     gain staging is the mixer's job.
///
/// Thread contract: pure; wait-free, no allocation, callable from any thread.
void map_channels(const float* in, int in_channels, float* out, int out_channels, std::size_t frames) noexcept;

}  // namespace crowdmesh::stretch
