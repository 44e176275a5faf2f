#include "telemetry/telemetry_pace.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::telemetry {
namespace {

using std::chrono::milliseconds;

TEST(TelemetryPaceTest, StartsAtTheFullRateAndSlowsOnceTheMixerIdles) {
  TelemetryPace pace(milliseconds(100), milliseconds(1000), false);
  EXPECT_EQ(pace.period(), milliseconds(100));
  EXPECT_FALSE(pace.set_mixer_busy(false));
  EXPECT_EQ(pace.period(), milliseconds(1000));
}

TEST(TelemetryPaceTest, WakingUpIsReportedOnceSoThePendingIdleTickIsBroughtForward) {
  TelemetryPace pace(milliseconds(100), milliseconds(1000), false);
  pace.set_mixer_busy(false);
  EXPECT_TRUE(pace.set_mixer_busy(true));
  EXPECT_EQ(pace.period(), milliseconds(100));
  EXPECT_FALSE(pace.set_mixer_busy(true)) << "already busy: nothing to bring forward";
  EXPECT_FALSE(pace.set_tempo_busy(true)) << "already busy through the mixer";
  pace.set_mixer_busy(false);
  EXPECT_EQ(pace.period(), milliseconds(100)) << "a tempo ramp keeps the full rate";
  pace.set_tempo_busy(false);
  EXPECT_EQ(pace.period(), milliseconds(1000));
  EXPECT_TRUE(pace.set_tempo_busy(true));
}

TEST(TelemetryPaceTest, AnEncoderOrAnIdleIntervalNotAboveTheIntervalKeepsTheFullRate) {
  TelemetryPace encoding(milliseconds(100), milliseconds(1000), true);
  encoding.set_mixer_busy(false);
  EXPECT_EQ(encoding.period(), milliseconds(100));
  TelemetryPace flat(milliseconds(250), milliseconds(50), false);
  flat.set_mixer_busy(false);
  EXPECT_EQ(flat.period(), milliseconds(250));
}

TEST(TelemetryPaceTest, MixerIsBusyWhileABufferPlaysOrLoadsOrATestToneSounds) {
  mixer::MixerStatus s;
  EXPECT_FALSE(mixer_busy(s));
  s.decks[1].buffers.emplace_back();
  s.decks[1].buffers.back().state = mixer::BufferState::stopped;
  EXPECT_FALSE(mixer_busy(s)) << "a stopped buffer is nothing to watch";
  s.decks[1].buffers.back().state = mixer::BufferState::loading;
  EXPECT_TRUE(mixer_busy(s));
  s.decks[1].buffers.back().state = mixer::BufferState::playing;
  EXPECT_TRUE(mixer_busy(s));
  s.decks[1].buffers.back().state = mixer::BufferState::ended;
  EXPECT_FALSE(mixer_busy(s));
  s.test_tone_hz = 440;
  EXPECT_TRUE(mixer_busy(s));
}

TEST(TelemetryPaceTest, APlayingNodeNobodyWatchesSamplesAtTheIdleRate) {
  TelemetryPace pace(milliseconds(100), milliseconds(1000), false);
  pace.set_mixer_busy(true);
  EXPECT_FALSE(pace.set_watched(false));
  EXPECT_EQ(pace.period(), milliseconds(1000));
  EXPECT_TRUE(pace.set_watched(true)) << "a watcher arriving brings the next sample forward";
  EXPECT_EQ(pace.period(), milliseconds(100));
  pace.set_mixer_busy(false);
  EXPECT_FALSE(pace.set_watched(true));
  EXPECT_EQ(pace.period(), milliseconds(1000)) << "watched but idle: nothing to watch live";
}

TEST(TelemetryPaceTest, AnEncoderNobodyWatchesSamplesAtTheIdleRate) {
  TelemetryPace encoding(milliseconds(100), milliseconds(1000), true);
  encoding.set_mixer_busy(false);
  encoding.set_watched(false);
  EXPECT_EQ(encoding.period(), milliseconds(1000));
  EXPECT_TRUE(encoding.set_watched(true));
  EXPECT_EQ(encoding.period(), milliseconds(100));
}

}  // namespace
}  // namespace crowdmesh::telemetry
