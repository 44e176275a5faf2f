#include "device/device_probe.hpp"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace crowdmesh::device {
namespace {

CallbackTiming timing(int period, std::uint64_t xruns, double jitter_p99_us) {
  CallbackTiming t;
  t.period_frames = period;
  t.delivered_frames = period;
  t.sample_rate_hz = 48000;
  t.callbacks = 187;
  t.wakeups = 183;
  t.host_frames_per_wakeup = period;
  t.interval_p50_us = t.period_us();
  t.interval_p99_us = t.period_us() + jitter_p99_us;
  t.interval_max_us = t.period_us() + jitter_p99_us;
  t.jitter_p99_us = jitter_p99_us;
  t.xruns = xruns;
  t.seconds = 1.0;
  return t;
}

DeviceCapabilities device(int index, std::string name, std::string api, int out, int in, double rate,
                          std::vector<int> rates) {
  DeviceCapabilities d;
  d.info = DeviceInfo{index, std::move(name), std::move(api), out, in, rate, false};
  d.supported_rates_hz = std::move(rates);
  return d;
}

bool has_finding(const std::vector<std::string>& findings, const std::string& text) {
  return std::find(findings.begin(), findings.end(), text) != findings.end();
}

std::string joined(const std::vector<std::string>& findings) {
  std::string out;
  for (const auto& f : findings) out += f + "\n";
  return out;
}

TEST(DeviceProbeTest, PeriodUsIsFramesOverRate) {
  EXPECT_NEAR(timing(256, 0, 0).period_us(), 5333.333, 0.01);
  CallbackTiming none;
  EXPECT_EQ(none.period_us(), 0);
}

TEST(DeviceProbeTest, RecommendsSmallestPeriodWithoutXrunsAndLowJitter) {
  const auto advice = recommend_buffer({timing(512, 0, 100), timing(128, 0, 50), timing(256, 0, 80)});
  EXPECT_EQ(advice.recommended_period_frames, 128);
  ASSERT_EQ(advice.measured.size(), 3u);
  EXPECT_EQ(advice.measured.front().period_frames, 128);
  EXPECT_EQ(advice.measured.back().period_frames, 512);
  EXPECT_EQ(advice.reason.rfind("128 frames (2.67 ms at 48000 Hz): p99 callback jitter 0.05 ms, 0 xruns", 0), 0u)
      << advice.reason;
}

TEST(DeviceProbeTest, SkipsPeriodWithXrunsAndSaysSo) {
  const auto advice = recommend_buffer({timing(128, 3, 50), timing(256, 0, 400), timing(512, 0, 100)});
  EXPECT_EQ(advice.recommended_period_frames, 256);
  EXPECT_EQ(advice.reason,
            "256 frames (5.33 ms at 48000 Hz): p99 callback jitter 0.40 ms, 0 xruns; 128 frames had 3 xruns.");
}

TEST(DeviceProbeTest, SkipsPeriodWhoseJitterReachesAQuarterOfThePeriod) {
  // 25 % of 128 frames at 48 kHz is 666.7 µs.
  const auto advice = recommend_buffer({timing(128, 0, 667), timing(256, 0, 100)});
  EXPECT_EQ(advice.recommended_period_frames, 256);
  EXPECT_NE(advice.reason.find("128 frames had p99 jitter 0.67 ms (limit 0.67 ms)"), std::string::npos)
      << advice.reason;
  EXPECT_EQ(recommend_buffer({timing(128, 0, 666), timing(256, 0, 100)}).recommended_period_frames, 128);
}

TEST(DeviceProbeTest, ReasonNamesBothXrunsAndJitterOfARejectedPeriod) {
  const auto advice = recommend_buffer({timing(128, 1, 6620), timing(256, 0, 500)});
  EXPECT_EQ(advice.recommended_period_frames, 256);
  EXPECT_NE(advice.reason.find("; 128 frames had 1 xrun and p99 jitter 6.62 ms (limit 0.67 ms)"), std::string::npos)
      << advice.reason;
}

TEST(DeviceProbeTest, FallsBackToLargestMeasuredWhenNoneIsClean) {
  const auto advice = recommend_buffer({timing(128, 5, 50), timing(512, 1, 100), timing(256, 2, 80)});
  EXPECT_EQ(advice.recommended_period_frames, 512);
  EXPECT_NE(advice.reason.find("no measured size was clean"), std::string::npos) << advice.reason;
  EXPECT_NE(advice.reason.find("128 frames had 5 xruns"), std::string::npos) << advice.reason;
  EXPECT_NE(advice.reason.find("256 frames had 2 xruns"), std::string::npos) << advice.reason;
}

TEST(DeviceProbeTest, NothingMeasuredRecommendsNothing) {
  const auto advice = recommend_buffer({});
  EXPECT_EQ(advice.recommended_period_frames, 0);
  EXPECT_FALSE(advice.reason.empty());
  const auto findings = doctor_findings({}, 48000, advice);
  EXPECT_TRUE(has_finding(findings, "No buffer recommendation: no callback timing was measured.")) << joined(findings);
}

TEST(DeviceProbeTest, ReasonNamesCallbacksBurstingWithinOneHostPeriod) {
  // JACK at 256 frames serving a 128-frame stream: two callbacks per wake-up.
  auto bursty = timing(128, 0, 2667);
  bursty.wakeups = bursty.callbacks / 2;
  bursty.host_frames_per_wakeup = 256;
  const auto advice = recommend_buffer({bursty, timing(256, 0, 100)});
  EXPECT_EQ(advice.recommended_period_frames, 256);
  EXPECT_NE(advice.reason.find("at 128 frames the host woke every ~256 frames, so callbacks came in bursts"),
            std::string::npos)
      << advice.reason;
}

TEST(DeviceProbeTest, ReasonNamesDeliveredSizeWhenItDiffersFromRequest) {
  auto forced = timing(512, 0, 100);
  forced.delivered_frames = 256;
  const auto advice = recommend_buffer({forced});
  EXPECT_NE(advice.reason.find("512 frames were delivered as 256-frame callbacks"), std::string::npos) << advice.reason;
}

TEST(DeviceProbeTest, FindingSaysMatchingRate) {
  const auto findings =
      doctor_findings({device(3, "system", "JACK Audio Connection Kit", 2, 2, 48000, {48000})}, 48000, std::nullopt);
  EXPECT_TRUE(
      has_finding(findings, "Device 'system' (JACK Audio Connection Kit) runs at 48000 Hz: matches the mesh rate."))
      << joined(findings);
  EXPECT_EQ(findings.size(), 1u);
}

TEST(DeviceProbeTest, FindingSaysUnsupportedMeshRate) {
  const auto findings = doctor_findings({device(0, "X", "ALSA", 2, 0, 44100, {44100})}, 48000, std::nullopt);
  EXPECT_TRUE(has_finding(
      findings, "Device 'X' does not support 48000 Hz (supports 44100): the node will resample or fail to open."))
      << joined(findings);
}

TEST(DeviceProbeTest, FindingSaysDefaultRateDiffersButMeshRateWorks) {
  const auto findings = doctor_findings({device(0, "hw:0", "ALSA", 2, 2, 44100, {44100, 48000})}, 48000, std::nullopt);
  EXPECT_TRUE(has_finding(
      findings, "Device 'hw:0' (ALSA) defaults to 44100 Hz but supports 48000 Hz: the node opens it at the mesh rate."))
      << joined(findings);
}

TEST(DeviceProbeTest, FindingTellsToRestartJackAtMeshRate) {
  const auto findings =
      doctor_findings({device(1, "system", "JACK Audio Connection Kit", 2, 2, 44100, {44100})}, 48000, std::nullopt);
  EXPECT_TRUE(has_finding(findings,
                          "Device 'system' (JACK Audio Connection Kit) runs at 44100 Hz, not the mesh rate "
                          "48000 Hz: restart jackd with -r 48000."))
      << joined(findings);
}

TEST(DeviceProbeTest, FindingSaysBusyDevice) {
  auto d = device(1, "hw:1", "ALSA", 2, 0, 48000, {});
  d.busy = true;
  d.busy_reason = "Device unavailable";
  const auto findings = doctor_findings({d}, 48000, std::nullopt);
  EXPECT_TRUE(has_finding(findings, "Device 'hw:1' is busy: another program holds it (Device unavailable)."))
      << joined(findings);
  EXPECT_EQ(findings.size(), 1u) << "a busy device gets no rate sentence";
}

TEST(DeviceProbeTest, FindingSaysNoOutputDevice) {
  const std::string sentence = "No output device: the node can only run with --backend virtual.";
  EXPECT_TRUE(has_finding(doctor_findings({}, 48000, std::nullopt), sentence));
  const auto mic_only = doctor_findings({device(2, "Mic", "ALSA", 0, 1, 48000, {48000})}, 48000, std::nullopt);
  EXPECT_TRUE(has_finding(mic_only, sentence)) << joined(mic_only);
  const auto with_out = doctor_findings({device(0, "out", "ALSA", 2, 0, 48000, {48000})}, 48000, std::nullopt);
  EXPECT_FALSE(has_finding(with_out, sentence)) << joined(with_out);
}

TEST(DeviceProbeTest, FindingCarriesBufferRecommendation) {
  const auto advice = recommend_buffer({timing(128, 3, 50), timing(256, 0, 400)});
  const auto findings = doctor_findings({device(0, "out", "ALSA", 2, 0, 48000, {48000})}, 48000, advice);
  EXPECT_TRUE(has_finding(findings,
                          "Recommended buffer: 256 frames (5.33 ms at 48000 Hz): p99 callback jitter 0.40 "
                          "ms, 0 xruns; 128 frames had 3 xruns."))
      << joined(findings);
}

TEST(DeviceProbeTest, ReportListsDevicesTimingsAndFindings) {
  auto busy = device(1, "hw:1", "ALSA", 2, 0, 48000, {});
  busy.busy = true;
  const auto advice = recommend_buffer({timing(128, 3, 50), timing(256, 0, 400)});
  const auto text = format_doctor_report({device(0, "system", "JACK Audio Connection Kit", 2, 2, 48000, {48000}), busy},
                                         48000, advice);
  EXPECT_NE(text.find("48000"), std::string::npos) << text;
  EXPECT_NE(text.find("busy"), std::string::npos) << text;
  EXPECT_NE(text.find("system"), std::string::npos) << text;
  EXPECT_NE(text.find("Callback timing:"), std::string::npos) << text;
  EXPECT_NE(text.find("- Recommended buffer: 256 frames"), std::string::npos) << text;
}

TEST(DeviceProbeTest, JsonHasDevicesAdviceAndFindings) {
  auto d = device(5, "system", "JACK Audio Connection Kit", 2, 2, 48000, {48000});
  const auto advice = recommend_buffer({timing(256, 0, 100)});
  const auto j = doctor_report_json({d}, 48000, advice);
  EXPECT_EQ(j.at("mesh_rate_hz"), 48000);
  ASSERT_EQ(j.at("devices").size(), 1u);
  EXPECT_EQ(j.at("devices")[0].at("index"), 5);
  EXPECT_EQ(j.at("devices")[0].at("supported_rates_hz"), nlohmann::json::array({48000}));
  EXPECT_EQ(j.at("devices")[0].at("busy"), false);
  EXPECT_EQ(j.at("buffer_advice").at("recommended_period_frames"), 256);
  EXPECT_EQ(j.at("buffer_advice").at("measured")[0].at("delivered_frames"), 256);
  // Device, DAC timing, buffer recommendation.
  EXPECT_EQ(j.at("findings").size(), 3u);
  EXPECT_TRUE(doctor_report_json({d}, 48000, std::nullopt).at("buffer_advice").is_null());
}

TEST(DeviceProbeTest, FindingsSayWhenTheHostApiGivesNoDacTime) {
  auto d = device(5, "system", "JACK Audio Connection Kit", 2, 2, 48000, {48000});
  auto without = timing(256, 0, 100);
  without.dac_time_callbacks = 0;
  without.output_latency_ms = 10.7;
  const auto none = doctor_findings({d}, 48000, recommend_buffer({without}));
  const auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + "\n";
    return s;
  };
  EXPECT_NE(joined(none).find("gives no DAC time"), std::string::npos) << joined(none);
  EXPECT_NE(joined(none).find("10.7 ms"), std::string::npos) << joined(none);
  auto with = without;
  with.dac_time_callbacks = 50;
  const auto some = doctor_findings({d}, 48000, recommend_buffer({with}));
  EXPECT_NE(joined(some).find("reports each period's DAC time"), std::string::npos) << joined(some);
}

TEST(DeviceProbeTest, MeasureRejectsOutOfRangeArguments) {
  auto bad_rate = measure_callback_timing(-1, 1000, 256, 1.0);
  ASSERT_FALSE(bad_rate);
  EXPECT_EQ(error_code(bad_rate.error()), errc::value_out_of_range);
  auto bad_period = measure_callback_timing(-1, 48000, 8, 1.0);
  ASSERT_FALSE(bad_period);
  EXPECT_EQ(error_code(bad_period.error()), errc::value_out_of_range);
  auto bad_time = measure_callback_timing(-1, 48000, 256, 0.0);
  ASSERT_FALSE(bad_time);
  EXPECT_EQ(error_code(bad_time.error()), errc::value_out_of_range);
}

}  // namespace
}  // namespace crowdmesh::device
