#pragma once

/// The values a RunDoctor request may take (audio_node's doctor service,
/// `control_node doctor`): one source for the node and the client. They bound
/// how long one run holds a device and a thread: at most
/// kMaxPeriods × (kMaxSecondsPerPeriod + the settling time), about 81 s.
namespace crowdmesh::doctor {

/// Most period sizes one run measures.
inline constexpr int kMaxPeriods = 8;
/// Smallest and largest period size, frames (what the device probe accepts).
inline constexpr unsigned kMinPeriodFrames = 16;
inline constexpr unsigned kMaxPeriodFrames = 8192;
/// Measurement time per period size when none is given (0 on the wire), s.
inline constexpr double kDefaultSecondsPerPeriod = 1.0;
/// Shortest and longest measurement time per period size, s.
inline constexpr double kMinSecondsPerPeriod = 0.1;
inline constexpr double kMaxSecondsPerPeriod = 10.0;

}  // namespace crowdmesh::doctor
