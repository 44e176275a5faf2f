// Interoperability: an L24 or Opus stereo sine sent by RtpPacketizer over UDP
// loopback and described by make_sdp() is decoded by ffmpeg's RTP demuxer,
// and the decoded audio has the frequencies and level that were sent. Skips (saying
// why) when ffmpeg is not installed.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "netaudio/opus_payload.hpp"
#include "netaudio/rtp_packetizer.hpp"
#include "netaudio/sdp.hpp"

extern char** environ;

namespace crowdmesh::netaudio {
namespace {

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= p.size()) {
    const std::size_t end = p.find(':', start);
    const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

// A UDP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Frequency of a clean sine from its upward zero crossings (linear interpolation), Hz.
double frequency(const std::vector<float>& x, std::size_t channels, std::size_t channel, double rate) {
  double first = -1.0, last = -1.0;
  int crossings = 0;
  for (std::size_t i = 1; i < x.size() / channels; ++i) {
    const float a = x[(i - 1) * channels + channel], b = x[i * channels + channel];
    if (a < 0.0f && b >= 0.0f) {
      const double t = static_cast<double>(i - 1) + a / (a - b);
      if (first < 0.0) first = t;
      last = t;
      ++crossings;
    }
  }
  return crossings > 1 ? (crossings - 1) * rate / (last - first) : 0.0;
}

// Streams a 1 kHz (left) / 500 Hz (right) sine at 0.5 of `format`, described
// by make_sdp() (FEC off), over UDP loopback to ffmpeg, which decodes 1 s of
// it to raw floats; checks frequencies and level (within `level_tolerance`).
void expect_ffmpeg_decodes_sine(RtpStreamFormat format, std::uint32_t frames, double level_tolerance) {
  const std::string ffmpeg = find_in_path("ffmpeg");
  if (ffmpeg.empty()) GTEST_SKIP() << "ffmpeg is not installed (Debian package ffmpeg; deploy/install-deps.sh)";

  char dir_template[] = "/tmp/crowdmesh_rtp_XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::uint16_t port = free_udp_port();
  ASSERT_NE(port, 0);

  SdpStream sdp;
  sdp.origin_address = "127.0.0.1";
  sdp.address = "127.0.0.1";
  sdp.port = port;
  sdp.format = format;
  sdp.format.repair_payload_type = -1;  // FEC off: plain RTP/AVP
  sdp.ptime_ms = 1000.0 * frames / 48000.0;
  const auto text = make_sdp(sdp);
  ASSERT_TRUE(text);
  { std::ofstream(dir + "/stream.sdp") << *text; }

  // ffmpeg decodes 1 s of what arrives into raw float samples, then exits.
  const std::string out_path = dir + "/decoded.f32";
  std::vector<std::string> args = {ffmpeg,
                                   "-hide_banner",
                                   "-loglevel",
                                   "error",
                                   "-nostdin",
                                   "-protocol_whitelist",
                                   "file,udp,rtp",
                                   "-i",
                                   dir + "/stream.sdp",
                                   "-t",
                                   "1",
                                   "-f",
                                   "f32le",
                                   "-ac",
                                   "2",
                                   "-ar",
                                   "48000",
                                   "-y",
                                   out_path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, ffmpeg.c_str(), nullptr, nullptr, argv.data(), environ), 0);

  // Send up to 10 s, paced at real time, until ffmpeg has what it wants and exits.
  RtpPacketizerConfig pc;
  pc.format = sdp.format;
  pc.ssrc = 0x1234ABCD;
  pc.first_sequence = 1000;
  pc.first_timestamp = 123456;
  RtpPacketizer packetizer(pc);
  std::optional<OpusPayloadEncoder> opus;
  if (format.encoding == PcmEncoding::opus) {
    auto e = OpusPayloadEncoder::create(sdp.format);
    ASSERT_TRUE(e) << error_sentence(e.error());
    opus.emplace(std::move(*e));
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  std::vector<float> audio(frames * 2);
  std::vector<std::uint8_t> packet(kMaxRtpPacketBytes), encoded(kMaxOpusFrameBytes);
  std::uint64_t frame = 0;
  int status = 0;
  bool exited = false;
  auto next = std::chrono::steady_clock::now();
  const auto deadline = next + std::chrono::seconds(10);
  const auto interval = std::chrono::microseconds(1'000'000ull * frames / 48000);
  while (!exited && std::chrono::steady_clock::now() < deadline) {
    const std::uint64_t first = frame;
    for (std::uint32_t f = 0; f < frames; ++f, ++frame) {
      audio[2 * f] = 0.5f * static_cast<float>(std::sin(2.0 * M_PI * 1000.0 * frame / 48000.0));
      audio[2 * f + 1] = 0.5f * static_cast<float>(std::sin(2.0 * M_PI * 500.0 * frame / 48000.0));
    }
    const std::uint64_t pts = first * 20833;
    std::size_t n = 0;
    if (opus) {
      const std::size_t bytes = opus->encode(audio.data(), encoded.data(), encoded.size());
      n = packetizer.write_payload(encoded.data(), bytes, frames, pts, packet.data(), packet.size());
    } else {
      n = packetizer.write(audio.data(), frames, pts, packet.data(), packet.size());
    }
    ::sendto(fd, packet.data(), n, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    next += interval;
    std::this_thread::sleep_until(next);  // pacing, as a sound card would
    exited = ::waitpid(pid, &status, WNOHANG) == pid;
  }
  ::close(fd);
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "ffmpeg did not finish within 10 s of streaming";
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "ffmpeg failed, status " << status;

  std::ifstream in(out_path, std::ios::binary);
  std::vector<float> decoded;
  float v;
  while (in.read(reinterpret_cast<char*>(&v), sizeof v)) decoded.push_back(v);
  ASSERT_GE(decoded.size(), 2u * 48000u * 9 / 10) << "about 1 s of stereo expected";
  // Opus: skip the decoder's first 20 ms (the encoder's warm-up).
  const std::size_t skip = opus ? 2 * 960 : 0;
  const std::vector<float> steady(decoded.begin() + static_cast<std::ptrdiff_t>(skip), decoded.end());
  EXPECT_NEAR(frequency(steady, 2, 0, 48000.0), 1000.0, 1.0);
  EXPECT_NEAR(frequency(steady, 2, 1, 48000.0), 500.0, 1.0);
  double power = 0.0;
  for (std::size_t i = 0; i < steady.size(); i += 2) power += steady[i] * steady[i];
  EXPECT_NEAR(std::sqrt(power / (steady.size() / 2)), 0.5 / std::sqrt(2.0), level_tolerance) << "level as sent";
  std::remove(out_path.c_str());
  std::remove((dir + "/stream.sdp").c_str());
  ::rmdir(dir.c_str());
}

TEST(FfmpegInteropTest, FfmpegDecodesAnL24SineSentOverUdp) {
  expect_ffmpeg_decodes_sine(RtpStreamFormat{}, 96, 0.01);  // 2 ms packets; L24 scale
}

TEST(FfmpegInteropTest, FfmpegDecodesAnOpusSineSentOverUdp) {
  RtpStreamFormat opus;
  opus.encoding = PcmEncoding::opus;  // 128 kb/s stereo, 10 ms frames
  expect_ffmpeg_decodes_sine(opus, opus.opus_frame_frames, 0.02);
}

}  // namespace
}  // namespace crowdmesh::netaudio
