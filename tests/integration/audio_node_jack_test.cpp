// audio_node through PortAudio for real: JACK's dummy driver is the clocked
// device (jackd -R -n <unique> -d dummy -r 48000 -p 256, as an installation
// runs it; --no-realtime where this host allows no SCHED_FIFO thread).
#include <gtest/gtest.h>

#include <filesystem>

#include "audio_files.hpp"
#include "jack_server.hpp"
#include "node_process.hpp"

namespace crowdmesh::test {
namespace {

TEST(AudioNodeJackTest, TwentySecondsOnJackDummyWithoutProducerUnderrunsAndCallbackP99UnderTenPercent) {
  if (!JackServer::installed()) GTEST_SKIP() << "jackd is not installed (Debian package jackd2)";
  const auto music = music_dir();
  ASSERT_FALSE(music.empty()) << "run deploy/fetch-demo-music.sh";
  JackServer jack;
  // Real-time as deployed: at normal priority the whole JACK graph (jackd's
  // dummy clock included) competes with every other process, and a busy host
  // alone makes jackd flag xruns.
  const bool realtime = JackServer::realtime_allowed();
  const auto why = jack.start(48000, 256, realtime);
  ASSERT_TRUE(why.empty()) << why;
  const auto dir = make_temp_dir("crowdmesh-jack");
  auto r = run_audio_node(
      {"--a", music + "/frontiers.mp3", "--b", music + "/machine_wars.mp3", "--backend", "portaudio", "--device",
       "system", "--sample-rate", "48000", "--buffer-size", "256", "--duration", "20", "--record", dir + "/mix.wav"},
      dir);
  jack.stop();
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const auto& s = r.summary;
  EXPECT_NE(s["backend"].get<std::string>().find("JACK"), std::string::npos) << s["backend"];
  EXPECT_NEAR(s["seconds_played"].get<double>(), 20.0, 0.05);
  // What the node controls is asserted strictly: no producer underrun, a short
  // callback (p99 below). xruns that jackd flags on its dummy driver
  // (device_xruns: "client was not finished" on a busy host) are the host's:
  // jack_metro, a plain JACK client, counts as many on the same server
  // (tests/bench/jack_vs_metro.sh: 8 in 20 s alone, the node 5, on a quiet
  // 2-vCPU VM). They are reported, and only a storm of them (more than 1 % of
  // the periods) fails the test.
  EXPECT_EQ(test::producer_fault(s), "") << s.dump(2);  // a host stall past the ring excuses what it can cost
  EXPECT_EQ(s["mixer_underrun_frames"], 0) << s.dump(2);
  std::printf("%s\n", test::host_lateness(s).c_str());
  const double p99 = s["callback_us"]["p99"].get<double>();
  const double period = s["period_us"].get<double>();
  EXPECT_LE(s["device_xruns"].get<int>(), 20 * 48000 / 256 / 100) << "a storm of device xruns: " << s.dump(2);
  EXPECT_LT(p99, 0.10 * period) << "callback p99 " << p99 << " us vs period " << period << " us";
  auto audio = read_audio(dir + "/mix.wav");
  EXPECT_EQ(audio.frames, 20 * 48000);
  EXPECT_GT(rms_dbfs(audio), -30.0);
  std::printf("jack dummy 20 s (%s): xruns %d, callback p50/p99/max %d/%d/%d us, period %.0f us\n",
              realtime ? "jackd -R" : "jackd --no-realtime", s["xruns"].get<int>(), s["callback_us"]["p50"].get<int>(),
              s["callback_us"]["p99"].get<int>(), s["callback_us"]["max"].get<int>(), period);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace crowdmesh::test
