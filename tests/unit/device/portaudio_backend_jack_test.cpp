// PortAudio for real, over JACK's dummy driver (a clocked device without sound
// hardware). Each test starts its own `jackd --no-realtime -n <unique> -d dummy
// -r 48000 -p 256` and points PortAudio's JACK host API at it through
// JACK_DEFAULT_SERVER. Skipped only when jackd is not installed.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "device/device_callback.hpp"
#include "device/device_list.hpp"
#include "device/portaudio_backend.hpp"
#include "jack_server.hpp"
#include "rt_alloc_counter.hpp"

namespace crowdmesh::device {
namespace {

using namespace std::chrono_literals;

class PortAudioBackendJackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::JackServer::installed()) GTEST_SKIP() << "jackd is not installed (Debian package jackd2)";
    const char* rt = std::getenv("CROWDMESH_JACK_REALTIME");
    realtime_jackd_ = rt != nullptr && std::string(rt) == "1";
    const auto why = jack_.start(48000, 256, realtime_jackd_);
    ASSERT_TRUE(why.empty()) << why;

    auto devices = list_devices();
    ASSERT_TRUE(devices) << error_sentence(devices.error());
    for (const auto& d : *devices)
      if (d.host_api.find("JACK") != std::string::npos && d.max_output_channels >= 2) jack_device_ = d.index;
    ASSERT_GE(jack_device_, 0) << "PortAudio shows no JACK device:\n" << format_device_list(*devices);
  }

  void TearDown() override { jack_.stop(); }

  DeviceConfig config() const {
    DeviceConfig c;
    c.backend = "portaudio";
    c.device = std::to_string(jack_device_);
    c.sample_rate_hz = 48000;
    c.channels = 2;
    c.period_frames = 256;
    c.target_periods = 4;
    return c;
  }

  test::JackServer jack_;
  bool realtime_jackd_ = false;  // CROWDMESH_JACK_REALTIME=1: jackd -R (needs CAP_SYS_NICE)
  int jack_device_ = -1;
};

// Keeps the output ring topped up with a 440 Hz sine until told to stop.
class SineProducer {
 public:
  explicit SineProducer(DeviceCallback& cb) : cb_(cb) {
    fill();
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        fill();
        std::this_thread::sleep_for(1ms);
      }
    });
  }
  ~SineProducer() {
    stop_.store(true);
    thread_.join();
  }

 private:
  void fill() {
    std::vector<float> chunk(2 * 256);
    while (cb_.output_ring().write_available() >= 256) {
      for (std::size_t k = 0; k < 256; ++k, ++frame_) {
        const float s = 0.25f * std::sin(2.0f * 3.14159265f * 440.0f * static_cast<float>(frame_) / 48000.0f);
        chunk[2 * k] = chunk[2 * k + 1] = s;
      }
      cb_.output_ring().write(chunk.data(), 256);
    }
  }
  DeviceCallback& cb_;
  std::uint64_t frame_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(PortAudioBackendJackTest, FullRingPlaysThreeSecondsWithoutXrunsAndFastCallbacks) {
  const auto cfg = config();
  DeviceCallback cb(cfg);
  PortAudioBackend backend(cfg);
  test::reset_rt_allocations();
  {
    SineProducer producer(cb);
    auto started = backend.start(cb);
    ASSERT_TRUE(started) << error_sentence(started.error());
    std::cout << "[          ] " << backend.description() << "\n";
    std::this_thread::sleep_for(3s);  // the duration of the run, not a synchronisation
    backend.stop();
  }
  const auto st = cb.stats();
  std::cout << "[          ] callbacks " << st.callbacks << ", frames " << st.frames_played << ", xruns " << st.xruns
            << " (device " << st.device_xruns << "), callback us p50 " << st.callback_p50_us << " p99 "
            << st.callback_p99_us << " max " << st.callback_max_us << ", period us " << st.period_us << "\n";
  RecordProperty("callbacks", std::to_string(st.callbacks));
  RecordProperty("callback_p50_us", std::to_string(st.callback_p50_us));
  RecordProperty("callback_p99_us", std::to_string(st.callback_p99_us));
  RecordProperty("callback_max_us", std::to_string(st.callback_max_us));
  EXPECT_GT(st.callbacks, 0u);
  EXPECT_EQ(st.frames_played, st.callbacks * 256);
  // Ours: with the ring kept full the callback never lacks data.
  EXPECT_EQ(st.underrun_frames, 0u);
  EXPECT_EQ(st.xruns, st.device_xruns) << "every xrun must be driver-reported, none from the ring";
  // The driver's: a --no-realtime jackd reports xruns when the machine is
  // starved (measured: 57 in 3 s during a parallel -j2 compile, 0 when idle),
  // so zero driver xruns is asserted with a realtime jackd
  // (CROWDMESH_JACK_REALTIME=1, needs CAP_SYS_NICE) and reported otherwise.
  if (realtime_jackd_) {
    EXPECT_EQ(st.xruns, 0u);
  } else if (st.device_xruns > 0) {
    std::cout << "[          ] note: " << st.device_xruns << " xruns reported by the non-realtime jackd\n";
  }
  EXPECT_LT(static_cast<double>(st.callback_p99_us), 0.10 * st.period_us);
  if (test::rt_alloc_counter_active()) {
    EXPECT_EQ(test::rt_allocations(), 0u);
  }
}

TEST_F(PortAudioBackendJackTest, DuplexStreamFillsInputRing) {
  auto cfg = config();
  cfg.input_channels = 2;
  DeviceCallback cb(cfg);
  PortAudioBackend backend(cfg);
  SineProducer producer(cb);
  auto started = backend.start(cb);
  ASSERT_TRUE(started) << error_sentence(started.error());
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (cb.input_ring()->read_available() < 4800 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  backend.stop();
  EXPECT_GE(cb.input_ring()->read_available(), 4800u);
  EXPECT_GT(cb.stats().callbacks, 0u);
}

TEST_F(PortAudioBackendJackTest, WrongSampleRateErrorNamesDeviceRateAndPeriod) {
  auto cfg = config();
  cfg.sample_rate_hz = 44100;  // the JACK server runs at 48000
  DeviceCallback cb(cfg);
  PortAudioBackend backend(cfg);
  auto started = backend.start(cb);
  ASSERT_FALSE(started);
  EXPECT_EQ(error_code(started.error()), errc::device_error);
  const auto s = error_sentence(started.error());
  EXPECT_NE(s.find("44100 Hz"), std::string::npos) << s;
  EXPECT_NE(s.find("256 frames"), std::string::npos) << s;
  EXPECT_NE(s.find("system"), std::string::npos) << s;
}

TEST_F(PortAudioBackendJackTest, UnknownDeviceNameIsNotFound) {
  auto cfg = config();
  cfg.device = "no-such-device-xyz";
  DeviceCallback cb(cfg);
  PortAudioBackend backend(cfg);
  auto started = backend.start(cb);
  ASSERT_FALSE(started);
  EXPECT_EQ(error_code(started.error()), errc::device_not_found);
  EXPECT_NE(error_sentence(started.error()).find("--list-devices"), std::string::npos);
}

TEST_F(PortAudioBackendJackTest, StopIsIdempotentAndStartAgainWorks) {
  const auto cfg = config();
  DeviceCallback cb(cfg);
  PortAudioBackend backend(cfg);
  SineProducer producer(cb);
  ASSERT_TRUE(backend.start(cb));
  EXPECT_FALSE(backend.start(cb));  // already running
  backend.stop();
  backend.stop();
  const auto before = cb.stats().callbacks;
  ASSERT_TRUE(backend.start(cb));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (cb.stats().callbacks < before + 5 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  backend.stop();
  EXPECT_GE(cb.stats().callbacks, before + 5);
}

}  // namespace
}  // namespace crowdmesh::device
