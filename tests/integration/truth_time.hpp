#pragma once
// Reading a virtual device's truth log (device/truth_log.hpp) in a test.
#include <cstdint>
#include <optional>
#include <string>

namespace crowdmesh::test {

/// When device frame `frame` (the frame index of the node's `--record` WAV)
/// reached the virtual DAC, on the host's raw clock (ns), read from the truth
/// log at `path`: the straight line through the log's two entries around it
/// (the last one at or before it, so that a clock that resynchronised after a
/// stall is read on its new segment). Every node on the machine logs on the
/// same clock, so two nodes' answers compare directly. std::nullopt when the
/// log cannot be read or does not reach `frame`.
std::optional<double> truth_time_ns(const std::string& path, std::int64_t frame);

}  // namespace crowdmesh::test
