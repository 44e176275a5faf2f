#pragma once

/// The values a test tone may take (TestTone command, OSC /test_tone,
/// `control_node test-tone`): one source for the mixer, the OSC bridge and the
/// client. A test tone is for checking speakers and levels in a room, so its
/// level is capped at 0 dBFS and its default is a moderate −20 dBFS.
namespace crowdmesh::test_tone {

/// Frequency when none is given, Hz (the original server's /test_tone default).
inline constexpr double kDefaultHz = 440.0;
/// Lowest and highest frequency, Hz; the mixer also refuses frequencies at or
/// above 0.45 × its sample rate.
inline constexpr double kMinHz = 20.0;
inline constexpr double kMaxHz = 20000.0;
/// Level when none is given, dBFS (peak of the sine).
inline constexpr double kDefaultGainDb = -20.0;
/// Lowest and highest level, dBFS (peak of the sine).
inline constexpr double kMinGainDb = -96.0;
inline constexpr double kMaxGainDb = 0.0;
/// Length when none is given, s.
inline constexpr double kDefaultSeconds = 2.0;
/// Shortest and longest tone, s.
inline constexpr double kMinSeconds = 0.05;
inline constexpr double kMaxSeconds = 600.0;

}  // namespace crowdmesh::test_tone
