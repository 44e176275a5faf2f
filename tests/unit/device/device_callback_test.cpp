#include "device/device_callback.hpp"

#include <chrono>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "rt/wake_signal.hpp"

namespace crowdmesh::device {
namespace {

DeviceConfig config(int channels = 2, int input_channels = 0) {
  DeviceConfig c;
  c.backend = "virtual";
  c.channels = channels;
  c.input_channels = input_channels;
  c.period_frames = 256;
  c.target_periods = 4;
  return c;
}

void fill(DeviceCallback& cb, std::size_t frames, float value) {
  std::vector<float> v(frames * static_cast<std::size_t>(cb.channels()), value);
  ASSERT_TRUE(cb.output_ring().write(v.data(), frames));
}

std::vector<float> play(DeviceCallback& cb, std::size_t frames, bool device_xrun = false) {
  std::vector<float> out(frames * static_cast<std::size_t>(cb.channels()), -7.0f);
  cb.process(out.data(), nullptr, frames, device_xrun);
  return out;
}

TEST(DeviceCallbackTest, RingsAreSizedFromConfig) {
  DeviceCallback cb(config(2, 1));
  const auto cap = cb.output_ring().capacity();
  EXPECT_GE(cap, 4u * 4u * 256u);
  EXPECT_EQ(cap & (cap - 1), 0u);
  EXPECT_GE(cb.tap_ring().capacity(), 48000u);
  ASSERT_NE(cb.input_ring(), nullptr);
  EXPECT_EQ(cb.input_ring()->channels(), 1);
  EXPECT_GE(cb.input_ring()->capacity(), 48000u);
}

TEST(DeviceCallbackTest, NoInputRingWithoutInputChannels) {
  DeviceCallback cb(config());
  EXPECT_EQ(cb.input_ring(), nullptr);
}

TEST(DeviceCallbackTest, FullRingPlaysFramesWithoutUnderrun) {
  DeviceCallback cb(config());
  fill(cb, 256, 0.5f);
  const auto out = play(cb, 256);
  for (float s : out) ASSERT_EQ(s, 0.5f);
  const auto st = cb.stats();
  EXPECT_EQ(st.frames_played, 256u);
  EXPECT_EQ(st.callbacks, 1u);
  EXPECT_EQ(st.xruns, 0u);
  EXPECT_EQ(st.underrun_frames, 0u);
}

TEST(DeviceCallbackTest, ShortfallWritesSilenceAndCountsUnderrun) {
  DeviceCallback cb(config());
  fill(cb, 100, 0.5f);
  const auto out = play(cb, 256);
  for (std::size_t i = 0; i < 200; ++i) ASSERT_EQ(out[i], 0.5f) << i;
  for (std::size_t i = 200; i < out.size(); ++i) ASSERT_EQ(out[i], 0.0f) << i;
  const auto st = cb.stats();
  EXPECT_EQ(st.xruns, 1u);
  EXPECT_EQ(st.underrun_frames, 156u);
  EXPECT_EQ(st.frames_played, 256u);
  EXPECT_EQ(st.device_xruns, 0u);
}

TEST(DeviceCallbackTest, EmptyRingPlaysSilenceAndCountsOneEventPerCallback) {
  DeviceCallback cb(config());
  play(cb, 256);
  play(cb, 256);
  const auto st = cb.stats();
  EXPECT_EQ(st.xruns, 2u);
  EXPECT_EQ(st.underrun_frames, 512u);
}

TEST(DeviceCallbackTest, DriverReportedXrunCountsAsXrunEvent) {
  DeviceCallback cb(config());
  fill(cb, 256, 0.1f);
  play(cb, 256, true);
  const auto st = cb.stats();
  EXPECT_EQ(st.xruns, 1u);
  EXPECT_EQ(st.device_xruns, 1u);
  EXPECT_EQ(st.underrun_frames, 0u);
}

TEST(DeviceCallbackTest, ShortfallAndDriverXrunInOneCallbackCountOneEvent) {
  DeviceCallback cb(config());
  play(cb, 64, true);
  const auto st = cb.stats();
  EXPECT_EQ(st.xruns, 1u);
  EXPECT_EQ(st.device_xruns, 1u);
  EXPECT_EQ(st.underrun_frames, 64u);
}

TEST(DeviceCallbackTest, UnityGainIsBitExact) {
  DeviceCallback cb(config(1));
  std::vector<float> in(256);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = std::sin(0.01f * static_cast<float>(i)) * 0.9f;
  ASSERT_TRUE(cb.output_ring().write(in.data(), 256));
  EXPECT_EQ(play(cb, 256), in);
}

TEST(DeviceCallbackTest, GainRampReachesTargetWithoutLargeSteps) {
  DeviceCallback cb(config(2));
  fill(cb, 512, 1.0f);
  cb.set_output_gain(0.25f);
  const auto out = play(cb, 256);
  const float max_step = (1.0f - 0.25f) / 256.0f + 1e-6f;
  float prev = 1.0f;
  for (std::size_t k = 0; k < 256; ++k) {
    EXPECT_EQ(out[2 * k], out[2 * k + 1]) << "channels ramp together, frame " << k;
    EXPECT_LE(std::fabs(out[2 * k] - prev), max_step) << "frame " << k;
    EXPECT_LE(out[2 * k], prev) << "monotonic, frame " << k;
    prev = out[2 * k];
  }
  EXPECT_EQ(out[510], 0.25f);
  EXPECT_EQ(out[511], 0.25f);
  const auto next = play(cb, 256);
  for (float s : next) ASSERT_EQ(s, 0.25f);
}

TEST(DeviceCallbackTest, NonFiniteGainIsIgnoredAndRangeClamped) {
  DeviceCallback cb(config());
  cb.set_output_gain(std::nanf(""));
  EXPECT_EQ(cb.output_gain(), 1.0f);
  cb.set_output_gain(INFINITY);
  EXPECT_EQ(cb.output_gain(), 1.0f);
  cb.set_output_gain(-2.0f);
  EXPECT_EQ(cb.output_gain(), 0.0f);
  cb.set_output_gain(100.0f);
  EXPECT_EQ(cb.output_gain(), DeviceCallback::kMaxOutputGain);
}

TEST(DeviceCallbackTest, TapCopiesExactlyWhatWasPlayed) {
  DeviceCallback cb(config(2));
  cb.set_tap_enabled(true);
  std::vector<float> src(300 * 2);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = 0.001f * static_cast<float>(i);
  ASSERT_TRUE(cb.output_ring().write(src.data(), 300));
  cb.set_output_gain(0.5f);
  auto played = play(cb, 256);        // ramp
  const auto second = play(cb, 256);  // 44 frames then a shortfall
  played.insert(played.end(), second.begin(), second.end());
  ASSERT_EQ(cb.tap_ring().read_available(), 512u);
  std::vector<float> tapped(512 * 2);
  ASSERT_EQ(cb.tap_ring().read(tapped.data(), 512), 512u);
  EXPECT_EQ(tapped, played);
  EXPECT_EQ(cb.stats().tap_overflow_frames, 0u);
}

TEST(DeviceCallbackTest, DisabledTapWritesNothing) {
  DeviceCallback cb(config());
  fill(cb, 256, 0.3f);
  play(cb, 256);
  EXPECT_EQ(cb.tap_ring().read_available(), 0u);
}

TEST(DeviceCallbackTest, FullTapRingCountsOverflowFrames) {
  DeviceCallback cb(config(1));
  cb.set_tap_enabled(true);
  const std::size_t cap = cb.tap_ring().capacity();
  const std::size_t calls = cap / 256 + 2;
  for (std::size_t i = 0; i < calls; ++i) play(cb, 256);
  EXPECT_EQ(cb.tap_ring().read_available(), cap);
  EXPECT_EQ(cb.stats().tap_overflow_frames, calls * 256 - cap);
}

TEST(DeviceCallbackTest, InputIsCopiedToInputRing) {
  DeviceCallback cb(config(2, 1));
  std::vector<float> in(128), out(256);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i);
  cb.process(out.data(), in.data(), 128, false);
  std::vector<float> got(128);
  ASSERT_EQ(cb.input_ring()->read(got.data(), 128), 128u);
  EXPECT_EQ(got, in);
}

TEST(DeviceCallbackTest, MissingInputBufferWritesSilenceToInputRing) {
  DeviceCallback cb(config(2, 2));
  std::vector<float> out(2 * 64);
  cb.process(out.data(), nullptr, 64, false);
  std::vector<float> got(2 * 64, 1.0f);
  ASSERT_EQ(cb.input_ring()->read(got.data(), 64), 64u);
  for (float s : got) ASSERT_EQ(s, 0.0f);
}

TEST(DeviceCallbackTest, StatsReportPeriodRingAndDurations) {
  DeviceCallback cb(config());
  fill(cb, 1000, 0.0f);
  for (int i = 0; i < 3; ++i) play(cb, 256);
  const auto st = cb.stats();
  EXPECT_EQ(st.callbacks, 3u);
  EXPECT_EQ(st.ring_fill, 1000u - 768u);
  EXPECT_EQ(st.ring_capacity, cb.output_ring().capacity());
  EXPECT_DOUBLE_EQ(st.period_us, 256.0 * 1e6 / 48000.0);
  EXPECT_EQ(st.sample_rate_hz, 48000);
  EXPECT_EQ(st.period_frames, 256);
  EXPECT_LE(st.callback_p50_us, st.callback_p99_us);
  EXPECT_LE(st.callback_max_us, st.callback_p99_us);  // p99 of 3 samples is the max's bucket edge
}

TEST(DeviceCallbackTest, PeriodSignalIsPostedOnlyWhenTheRingIsAtOrBelowTheWakeFill) {
  DeviceCallback cb(config());
  rt::WakeSignal signal;
  cb.set_period_signal(&signal);
  EXPECT_EQ(cb.wake_fill_frames(), SIZE_MAX);
  fill(cb, 4 * 256, 0.1f);
  cb.set_wake_fill_frames(2 * 256);
  play(cb, 256);  // 3 periods left: above the wake fill
  EXPECT_FALSE(signal.wait_for(std::chrono::nanoseconds(0)));
  play(cb, 256);  // 2 periods left: at the wake fill
  EXPECT_TRUE(signal.wait_for(std::chrono::nanoseconds(0)));
  play(cb, 256);  // 1 period left: below
  EXPECT_TRUE(signal.wait_for(std::chrono::nanoseconds(0)));
  cb.set_wake_fill_frames(SIZE_MAX);
  fill(cb, 3 * 256, 0.1f);
  play(cb, 256);  // the default posts after every period
  EXPECT_TRUE(signal.wait_for(std::chrono::nanoseconds(0)));
  cb.set_period_signal(nullptr);
}

}  // namespace
}  // namespace crowdmesh::device
