#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "encoder/file_sink.hpp"
#include "encoder/icecast_sink.hpp"
#include "encoder/sink.hpp"

namespace crowdmesh::encoder {
namespace {

const FileSink* as_file(const std::unique_ptr<Sink>& s) { return dynamic_cast<const FileSink*>(s.get()); }
const IcecastSink* as_icecast(const std::unique_ptr<Sink>& s) { return dynamic_cast<const IcecastSink*>(s.get()); }

TEST(SinkStateTest, EveryStateHasItsName) {
  EXPECT_STREQ(to_string(SinkState::idle), "idle");
  EXPECT_STREQ(to_string(SinkState::open), "open");
  EXPECT_STREQ(to_string(SinkState::connecting), "connecting");
  EXPECT_STREQ(to_string(SinkState::connected), "connected");
  EXPECT_STREQ(to_string(SinkState::backoff), "backoff");
  EXPECT_STREQ(to_string(SinkState::auth_failed), "auth_failed");
  EXPECT_STREQ(to_string(SinkState::failed), "failed");
  EXPECT_STREQ(to_string(SinkState::closed), "closed");
}

TEST(MakeSinkTest, FileUrlWithAbsolutePathGivesFileSink) {
  auto sink = make_sink("file:/rec/%Y%m%d-%H%M%S.flac", Codec::flac);
  ASSERT_TRUE(sink) << error_sentence(sink.error());
  ASSERT_NE(as_file(*sink), nullptr);
  EXPECT_EQ(as_file(*sink)->pattern(), "/rec/%Y%m%d-%H%M%S.flac");
  EXPECT_EQ((*sink)->status().state, SinkState::idle);
}

TEST(MakeSinkTest, FileUrlWithRelativePathIsMadeAbsolute) {
  auto sink = make_sink("file:rec/mix.mp3", Codec::mp3);
  ASSERT_TRUE(sink);
  ASSERT_NE(as_file(*sink), nullptr);
  EXPECT_EQ(as_file(*sink)->pattern(), (std::filesystem::current_path() / "rec/mix.mp3").string());
}

TEST(MakeSinkTest, FileUrlInTripleSlashFormGivesAbsolutePath) {
  auto sink = make_sink("file:///rec/mix.opus", Codec::opus);
  ASSERT_TRUE(sink);
  ASSERT_NE(as_file(*sink), nullptr);
  EXPECT_EQ(as_file(*sink)->pattern(), "/rec/mix.opus");
}

TEST(MakeSinkTest, IcecastUrlWithUserPasswordHostPortAndMount) {
  auto sink = make_sink("icecast://alice:s3cret@radio.example.org:8010/live.mp3", Codec::mp3);
  ASSERT_TRUE(sink) << error_sentence(sink.error());
  const IcecastSink* ice = as_icecast(*sink);
  ASSERT_NE(ice, nullptr);
  EXPECT_EQ(ice->target().user, "alice");
  EXPECT_EQ(ice->target().password, "s3cret");
  EXPECT_EQ(ice->target().host, "radio.example.org");
  EXPECT_EQ(ice->target().port, 8010);
  EXPECT_EQ(ice->target().mount, "/live.mp3");
  EXPECT_EQ((*sink)->status().target, "icecast://alice@radio.example.org:8010/live.mp3");
  EXPECT_EQ((*sink)->status().state, SinkState::idle);
}

TEST(MakeSinkTest, IcecastUserDefaultsToSourceAndPortTo8000) {
  for (const std::string url : {"icecast://:hackme@127.0.0.1/mobile.opus", "icecast://hackme@127.0.0.1/mobile.opus"}) {
    auto sink = make_sink(url, Codec::opus);
    ASSERT_TRUE(sink) << url;
    const IcecastSink* ice = as_icecast(*sink);
    ASSERT_NE(ice, nullptr);
    EXPECT_EQ(ice->target().user, "source") << url;
    EXPECT_EQ(ice->target().password, "hackme") << url;
    EXPECT_EQ(ice->target().port, 8000) << url;
    EXPECT_EQ((*sink)->status().target, "icecast://source@127.0.0.1:8000/mobile.opus") << url;
  }
}

TEST(MakeSinkTest, IcecastStatusTargetNeverShowsThePassword) {
  auto sink = make_sink("icecast://source:topsecret@127.0.0.1:8000/mobile.opus", Codec::opus);
  ASSERT_TRUE(sink);
  EXPECT_EQ((*sink)->status().target, "icecast://source@127.0.0.1:8000/mobile.opus");
  EXPECT_EQ((*sink)->status().target.find("topsecret"), std::string::npos);
}

TEST(MakeSinkTest, IcecastIpv6HostInBrackets) {
  auto sink = make_sink("icecast://source:pw@[::1]:9000/m.opus", Codec::opus);
  ASSERT_TRUE(sink) << error_sentence(sink.error());
  EXPECT_EQ(as_icecast(*sink)->target().host, "::1");
  EXPECT_EQ(as_icecast(*sink)->target().port, 9000);
  EXPECT_EQ((*sink)->status().target, "icecast://source@[::1]:9000/m.opus");
}

TEST(MakeSinkTest, IcecastPasswordIsPercentDecoded) {
  auto sink = make_sink("icecast://source:p%40ss%3Aw%2Fd@host/m.mp3", Codec::mp3);
  ASSERT_TRUE(sink) << error_sentence(sink.error());
  EXPECT_EQ(as_icecast(*sink)->target().password, "p@ss:w/d");
}

TEST(MakeSinkTest, FlacToIcecastIsRefusedAsUnsupportedFormat) {
  auto sink = make_sink("icecast://source:pw@127.0.0.1:8000/x.flac", Codec::flac);
  ASSERT_FALSE(sink);
  EXPECT_EQ(error_code(sink.error()), errc::unsupported_format);
  EXPECT_EQ(error_sentence(sink.error()).rfind("icecast sinks take opus or mp3; write flac to a file", 0), 0u);
}

TEST(MakeSinkTest, MalformedUrlsAreRefusedNamingTheUrlAndTheAcceptedForms) {
  const std::vector<std::string> bad = {
      "",
      "/rec/mix.flac",
      "http://127.0.0.1:8000/live.mp3",
      "file:",
      "file://host/rec/mix.flac",
      "file:///",
      "file:/rec/",
      "icecast://127.0.0.1:8000/live.mp3",     // no password
      "icecast://source:pw@127.0.0.1:8000",    // no mount
      "icecast://source:pw@127.0.0.1:8000/",   // empty mount
      "icecast://source:pw@:8000/live.mp3",    // empty host
      "icecast://source:@127.0.0.1/live.mp3",  // empty password
      "icecast://source:pw@127.0.0.1:0/live.mp3",
      "icecast://source:pw@127.0.0.1:65536/live.mp3",
      "icecast://source:pw@127.0.0.1:80a/live.mp3",
      "icecast://source:pw@127.0.0.1:/live.mp3",
      "icecast://source:p%zz@127.0.0.1/live.mp3",
      "icecast://source:pw@[::1/live.mp3",
      "icecast://source:pw@[::1]x/live.mp3",
      "icecast://source:pw@127.0.0.1/live.mp3?x=1",
      "icecast://source:pw@127.0.0.1/live mp3",
  };
  for (const auto& url : bad) {
    auto sink = make_sink(url, Codec::mp3);
    ASSERT_FALSE(sink) << url;
    EXPECT_EQ(error_code(sink.error()), errc::value_out_of_range) << url;
    const std::string sentence = error_sentence(sink.error());
    EXPECT_NE(sentence.find("accepted forms: file:PATH"), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("icecast://USER:PASS@HOST:PORT/MOUNT"), std::string::npos) << sentence;
    if (url.rfind("icecast://", 0) != 0) {
      EXPECT_NE(sentence.find("'" + url + "'"), std::string::npos) << sentence;
    }
  }
}

TEST(MakeSinkTest, ErrorSentenceHidesTheIcecastPassword) {
  auto sink = make_sink("icecast://source:topsecret@127.0.0.1:0/live.mp3", Codec::mp3);
  ASSERT_FALSE(sink);
  const std::string sentence = error_sentence(sink.error());
  EXPECT_EQ(sentence.find("topsecret"), std::string::npos) << sentence;
  EXPECT_NE(sentence.find("'icecast://source:***@127.0.0.1:0/live.mp3'"), std::string::npos) << sentence;
}

TEST(MakeSinkTest, OutOfRangeOptionsAreRefusedNamingTheOption) {
  struct Case {
    SinkOptions options;
    std::string name;
  };
  std::vector<Case> cases(5);
  cases[0].options.rotate_seconds = -1;
  cases[0].name = "rotate_seconds";
  cases[1].options.backoff_initial_seconds = 0;
  cases[1].name = "backoff_initial_seconds";
  cases[2].options.backoff_max_seconds = 0.5;
  cases[2].name = "backoff_max_seconds";
  cases[3].options.auth_retry_seconds = 0;
  cases[3].name = "auth_retry_seconds";
  cases[4].options.queue_bytes = 10;
  cases[4].name = "queue_bytes";
  for (const auto& c : cases) {
    auto sink = make_sink("file:/tmp/x.flac", Codec::flac, c.options);
    ASSERT_FALSE(sink) << c.name;
    EXPECT_EQ(error_code(sink.error()), errc::value_out_of_range);
    EXPECT_NE(error_sentence(sink.error()).find(c.name), std::string::npos) << error_sentence(sink.error());
  }
}

}  // namespace
}  // namespace crowdmesh::encoder
