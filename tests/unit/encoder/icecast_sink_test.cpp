#include "encoder/icecast_sink.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audio_files.hpp"
#include "child_process.hpp"
#include "common/error.hpp"
#include "icecast_server.hpp"
#include "jack_server.hpp"
#include "nlohmann/json.hpp"

namespace crowdmesh::encoder {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
using test::IcecastServer;

constexpr double kToneSeconds = 10.0;

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Pre-encoded 10 s tones (sox → WAV → lame / opusenc), made once per run.
struct Media {
  std::vector<std::uint8_t> mp3;
  std::vector<std::uint8_t> opus;
  std::string error;
};

const Media& media() {
  static const Media m = [] {
    Media out;
    const std::string dir = test::make_temp_dir("crowdmesh-icecast-media");
    const std::string wav = dir + "/tone.wav";
    const std::string sox = test::find_program("sox"), lame = test::find_program("lame"),
                      opusenc = test::find_program("opusenc");
    if (sox.empty() || lame.empty() || opusenc.empty()) {
      out.error = "sox, lame and opusenc are needed";
      return out;
    }
    if (test::run_quiet(
            {sox, "-n", "-r", "44100", "-c", "2", "-b", "16", wav, "synth", "10", "sine", "440", "vol", "0.5"}) != 0 ||
        test::run_quiet({lame, "--quiet", "-b", "128", wav, dir + "/tone.mp3"}) != 0 ||
        test::run_quiet({opusenc, "--quiet", "--bitrate", "96", wav, dir + "/tone.opus"}) != 0) {
      out.error = "cannot encode the test tone in " + dir;
      return out;
    }
    out.mp3 = read_bytes(dir + "/tone.mp3");
    out.opus = read_bytes(dir + "/tone.opus");
    std::filesystem::remove_all(dir);
    return out;
  }();
  return m;
}

/// Drives a sink like an encoder output: writes a pre-encoded file at about
/// real pace (plus 1 s up front), polls, and restarts the stream from the
/// file's start whenever the sink asks for a new one.
class Feeder {
 public:
  Feeder(Sink& sink, const std::vector<std::uint8_t>& data, StreamInfo info)
      : sink_(sink), data_(data), info_(std::move(info)), rate_(static_cast<double>(data.size()) / kToneSeconds) {}

  void begin() {
    ASSERT_TRUE(sink_.begin_stream(info_));
    offset_ = 0;
    stream_t0_ = SteadyClock::now();
  }

  void step() {
    sink_.poll();
    if (sink_.wants_new_stream()) {
      sink_.end_stream();
      begin();
      ++restarts_;
    }
    const double elapsed = std::chrono::duration<double>(SteadyClock::now() - stream_t0_).count();
    const auto due =
        static_cast<std::size_t>(std::min<double>((elapsed + 1.0) * rate_, static_cast<double>(data_.size())));
    if (due > offset_) {
      EXPECT_TRUE(sink_.write(data_.data() + offset_, due - offset_));
      offset_ = due;
    }
    if (offset_ >= data_.size()) {  // the whole tone is out: start it again as a new stream
      sink_.end_stream();
      begin();
    }
  }

  /// Steps every 20 ms until `done()` or `timeout`; the last value of done().
  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    while (SteadyClock::now() < deadline) {
      step();
      if (done()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return done();
  }

  /// Now playing, as an encoder output does: to the sink and to the next stream.
  void set_title(const std::string& title) {
    info_.title = title;
    sink_.set_title(title);
  }

  int restarts() const { return restarts_; }

 private:
  Sink& sink_;
  const std::vector<std::uint8_t>& data_;
  StreamInfo info_;
  double rate_;
  std::size_t offset_ = 0;
  SteadyClock::time_point stream_t0_;
  int restarts_ = 0;
};

/// The status-json.xsl entry of `mount`, if listed.
std::optional<nlohmann::json> find_source(int port, const std::string& mount) {
  const std::string body = IcecastServer::http_get(port, "/status-json.xsl");
  if (body.empty()) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("icestats")) return std::nullopt;
  const auto& stats = doc["icestats"];
  if (!stats.contains("source")) return std::nullopt;
  std::vector<nlohmann::json> sources;
  if (stats["source"].is_array())
    for (const auto& s : stats["source"]) sources.push_back(s);
  else
    sources.push_back(stats["source"]);
  const std::string suffix = ":" + std::to_string(port) + mount;
  for (const auto& s : sources) {
    const std::string url = s.value("listenurl", "");
    if (url.size() >= suffix.size() && url.compare(url.size() - suffix.size(), suffix.size(), suffix) == 0) return s;
  }
  return std::nullopt;
}

std::string icecast_url(int port, const std::string& mount,
                        const std::string& password = IcecastServer::kSourcePassword) {
  return "icecast://source:" + password + "@127.0.0.1:" + std::to_string(port) + mount;
}

std::unique_ptr<Sink> make(const std::string& url, Codec codec, const SinkOptions& options = {}) {
  auto sink = make_sink(url, codec, options);
  EXPECT_TRUE(sink) << error_sentence(sink.error());
  return sink ? std::move(*sink) : nullptr;
}

StreamInfo mp3_info(const std::string& title = {}) {
  StreamInfo info;
  info.codec = Codec::mp3;
  info.format = {44100, 2};
  info.bitrate_kbps = 128;
  info.title = title;
  return info;
}

StreamInfo opus_info() {
  StreamInfo info;
  info.codec = Codec::opus;
  info.format = {48000, 2};
  info.bitrate_kbps = 96;
  return info;
}

class IcecastSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!media().error.empty()) GTEST_SKIP() << media().error;
  }
};

TEST_F(IcecastSinkTest, Mp3StreamAppearsInStatusJsonAsAudioMpeg) {
  IcecastServer server;
  ASSERT_EQ(server.start(), "");
  auto sink = make(icecast_url(server.port(), "/test.mp3"), Codec::mp3);
  ASSERT_NE(sink, nullptr);
  Feeder feeder(*sink, media().mp3, mp3_info());
  feeder.begin();
  std::optional<nlohmann::json> source;
  ASSERT_TRUE(feeder.run_until([&] { return (source = find_source(server.port(), "/test.mp3")).has_value(); }, 15s))
      << server.error_log();
  EXPECT_EQ(source->value("server_type", ""), "audio/mpeg");
  EXPECT_EQ(source->value("server_name", ""), "Crowdmesh");
  const SinkStatus st = sink->status();
  EXPECT_EQ(st.state, SinkState::connected);
  EXPECT_GT(st.bytes_written, 0u);
  EXPECT_EQ(st.reconnects, 0u);
  EXPECT_EQ(st.connect_attempts, 1u);
}

TEST_F(IcecastSinkTest, ListenerDecodesMp3StreamWithFfmpeg) {
  const std::string ffmpeg = test::find_program("ffmpeg");
  ASSERT_FALSE(ffmpeg.empty());
  IcecastServer server;
  ASSERT_EQ(server.start(), "");
  auto sink = make(icecast_url(server.port(), "/listen.mp3"), Codec::mp3);
  Feeder feeder(*sink, media().mp3, mp3_info());
  feeder.begin();
  ASSERT_TRUE(feeder.run_until([&] { return find_source(server.port(), "/listen.mp3").has_value(); }, 15s));
  const std::string err = server.dir() + "/ffmpeg.txt";
  const pid_t pid = test::spawn_process(
      {ffmpeg, "-nostdin", "-v", "error", "-i", "http://127.0.0.1:" + std::to_string(server.port()) + "/listen.mp3",
       "-t", "2", "-f", "null", "-"},
      "", err);
  ASSERT_GT(pid, 0);
  std::optional<int> status;
  feeder.run_until([&] { return (status = test::wait_for_exit(pid, 0ms)).has_value(); }, 20s);
  if (!status) status = test::terminate_process(pid);
  std::ifstream in(err);
  const std::string ffmpeg_errors((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(*status, 0) << ffmpeg_errors;
}

TEST_F(IcecastSinkTest, OpusStreamIsServedAsAudioOggAndDecodes) {
  const std::string ffmpeg = test::find_program("ffmpeg");
  ASSERT_FALSE(ffmpeg.empty());
  IcecastServer server;
  ASSERT_EQ(server.start(), "");
  auto sink = make(icecast_url(server.port(), "/mobile.opus"), Codec::opus);
  Feeder feeder(*sink, media().opus, opus_info());
  feeder.begin();
  std::optional<nlohmann::json> source;
  ASSERT_TRUE(feeder.run_until([&] { return (source = find_source(server.port(), "/mobile.opus")).has_value(); }, 15s))
      << server.error_log();
  EXPECT_EQ(source->value("server_type", ""), "audio/ogg");
  const pid_t pid = test::spawn_process({ffmpeg, "-nostdin", "-v", "error", "-i",
                                         "http://127.0.0.1:" + std::to_string(server.port()) + "/mobile.opus", "-t",
                                         "2", "-f", "null", "-"});
  ASSERT_GT(pid, 0);
  std::optional<int> status;
  feeder.run_until([&] { return (status = test::wait_for_exit(pid, 0ms)).has_value(); }, 20s);
  if (!status) status = test::terminate_process(pid);
  EXPECT_EQ(*status, 0);
}

TEST_F(IcecastSinkTest, WrongPasswordGivesAuthFailedWithoutTightRetryLoop) {
  IcecastServer server;
  ASSERT_EQ(server.start(), "");
  SinkOptions options;
  options.backoff_initial_seconds = 0.1;  // a backoff-driven retry would show up at once
  options.backoff_max_seconds = 0.2;
  auto sink = make(icecast_url(server.port(), "/test.mp3", "wrong"), Codec::mp3, options);
  Feeder feeder(*sink, media().mp3, mp3_info());
  const auto t0 = SteadyClock::now();
  feeder.begin();
  ASSERT_TRUE(feeder.run_until([&] { return sink->status().state == SinkState::auth_failed; }, 5s))
      << to_string(sink->status().state);
  const SinkStatus st = sink->status();
  EXPECT_EQ(st.last_error, "icecast 127.0.0.1:" + std::to_string(server.port()) +
                               " refused source login for /test.mp3 as 'source': wrong password or mount in use?");
  EXPECT_GT(st.retry_in_seconds, 50.0);
  // Keep driving the sink until 5 s have passed: at most 2 attempts.
  feeder.run_until([&] { return SteadyClock::now() - t0 >= 5s; }, 6s);
  EXPECT_LE(sink->status().connect_attempts, 2u);
  // The server's view: libshout makes two requests per attempt (a probe, then
  // the authenticated one), so at most 4 refused logins.
  const std::string log = server.error_log();
  std::size_t refused = 0;
  for (auto at = log.find("attempted to login with invalid"); at != std::string::npos;
       at = log.find("attempted to login with invalid", at + 1))
    ++refused;
  EXPECT_GE(refused, 1u);
  EXPECT_LE(refused, 4u);
  EXPECT_EQ(sink->status().state, SinkState::auth_failed);
  EXPECT_GT(sink->status().bytes_dropped, 0u);
}

TEST_F(IcecastSinkTest, UnreachableServerBacksOffWithGrowingDelayAndConnectsOnceServerStarts) {
  const int port = IcecastServer::free_port();
  ASSERT_GT(port, 0);
  SinkOptions options;
  options.backoff_initial_seconds = 0.2;
  options.backoff_max_seconds = 1.6;
  auto sink = make(icecast_url(port, "/late.mp3"), Codec::mp3, options);
  Feeder feeder(*sink, media().mp3, mp3_info());
  feeder.begin();
  // The largest retry_in_seconds seen after each failed attempt.
  std::vector<double> delays(5, 0.0);
  ASSERT_TRUE(feeder.run_until(
      [&] {
        const SinkStatus st = sink->status();
        if (st.state == SinkState::backoff && st.connect_attempts < delays.size())
          delays[st.connect_attempts] = std::max(delays[st.connect_attempts], st.retry_in_seconds);
        return st.connect_attempts >= 4;
      },
      10s));
  EXPECT_GT(delays[1], 0.1);
  EXPECT_GT(delays[2], delays[1] + 0.1);
  EXPECT_GT(delays[3], delays[2] + 0.2);
  EXPECT_NE(sink->status().last_error.find("cannot connect to icecast 127.0.0.1:" + std::to_string(port)),
            std::string::npos);

  IcecastServer server;
  ASSERT_EQ(server.start(port), "");
  ASSERT_TRUE(feeder.run_until([&] { return find_source(port, "/late.mp3").has_value(); }, 15s));
  EXPECT_EQ(sink->status().state, SinkState::connected);
  EXPECT_EQ(sink->status().reconnects, 0u);
  const int restarts_before = feeder.restarts();

  server.stop();
  ASSERT_TRUE(feeder.run_until([&] { return sink->status().state == SinkState::backoff; }, 15s))
      << to_string(sink->status().state);
  ASSERT_EQ(server.start(port), "");
  ASSERT_TRUE(feeder.run_until([&] { return find_source(port, "/late.mp3").has_value(); }, 15s));
  const SinkStatus st = sink->status();
  EXPECT_EQ(st.state, SinkState::connected);
  EXPECT_EQ(st.reconnects, 1u);
  EXPECT_GT(feeder.restarts(), restarts_before);  // fresh stream after the reconnection
}

TEST_F(IcecastSinkTest, Mp3TitleUpdateIsVisibleInStatusJson) {
  IcecastServer server;
  ASSERT_EQ(server.start(), "");
  auto sink = make(icecast_url(server.port(), "/title.mp3"), Codec::mp3);
  Feeder feeder(*sink, media().mp3, mp3_info("First Track"));
  feeder.begin();
  auto title_is = [&](const std::string& title) {
    auto source = find_source(server.port(), "/title.mp3");
    return source && source->contains("title") && (*source)["title"].is_string() && (*source)["title"] == title;
  };
  ASSERT_TRUE(feeder.run_until([&] { return title_is("First Track"); }, 15s)) << server.error_log();
  const int restarts = feeder.restarts();
  feeder.set_title("Zweiter Titel: Grüße");
  EXPECT_TRUE(feeder.run_until([&] { return title_is("Zweiter Titel: Grüße"); }, 10s))
      << IcecastServer::http_get(server.port(), "/status-json.xsl");
  EXPECT_EQ(feeder.restarts(), restarts);  // MP3 metadata needs no new stream
}

TEST_F(IcecastSinkTest, OggTitleChangeAsksForNewStream) {
  auto sink = make(icecast_url(IcecastServer::free_port(), "/x.opus"), Codec::opus);
  ASSERT_TRUE(sink->begin_stream(opus_info()));
  EXPECT_FALSE(sink->wants_new_stream());
  sink->set_title("Next");
  EXPECT_TRUE(sink->wants_new_stream());
  sink->end_stream();
  ASSERT_TRUE(sink->begin_stream(opus_info()));
  EXPECT_FALSE(sink->wants_new_stream());
}

TEST_F(IcecastSinkTest, BytesAreDroppedAndCountedWhileNotConnected) {
  auto sink = make(icecast_url(IcecastServer::free_port(), "/x.mp3"), Codec::mp3);
  ASSERT_TRUE(sink->begin_stream(mp3_info()));
  const std::vector<std::uint8_t> bytes(1000, 0x55);
  EXPECT_TRUE(sink->write(bytes.data(), bytes.size()));
  EXPECT_EQ(sink->tell(), 1000u);
  EXPECT_EQ(sink->status().bytes_dropped, 1000u);
  EXPECT_EQ(sink->status().bytes_written, 0u);
  EXPECT_FALSE(sink->seekable());
}

TEST_F(IcecastSinkTest, FullQueueDropsBytesAndAsksForNewStream) {
  IcecastServer server;
  ASSERT_EQ(server.start(), "");
  SinkOptions options;
  options.queue_bytes = 4096;
  auto sink = make(icecast_url(server.port(), "/full.mp3"), Codec::mp3, options);
  ASSERT_TRUE(sink->begin_stream(mp3_info()));
  const auto deadline = SteadyClock::now() + 10s;
  while (sink->status().state != SinkState::connected && SteadyClock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(sink->status().state, SinkState::connected);
  EXPECT_FALSE(sink->wants_new_stream());  // nothing written before the connection
  const std::vector<std::uint8_t> big(5000, 0x55);
  EXPECT_TRUE(sink->write(big.data(), big.size()));
  EXPECT_EQ(sink->status().bytes_dropped, 5000u);
  EXPECT_TRUE(sink->wants_new_stream());
  EXPECT_NE(sink->status().last_error.find("queue of 4096 bytes full"), std::string::npos);
}

TEST_F(IcecastSinkTest, DestructorReturnsPromptlyWhileTheServerDoesNotAnswer) {
  // A listening socket that never answers: the connection attempt hangs in
  // the HTTP exchange until the sink gives up.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto sink = make(icecast_url(ntohs(addr.sin_port), "/hang.mp3"), Codec::mp3);
  ASSERT_TRUE(sink->begin_stream(mp3_info()));
  const auto wait_until = SteadyClock::now() + 5s;
  while (sink->status().state != SinkState::connecting && SteadyClock::now() < wait_until)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(sink->status().state, SinkState::connecting);
  const auto t0 = SteadyClock::now();
  sink.reset();
  EXPECT_LT(SteadyClock::now() - t0, 2500ms);
  ::close(fd);
}

}  // namespace
}  // namespace crowdmesh::encoder
