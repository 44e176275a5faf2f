#include "encoder/file_sink.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "audio_files.hpp"
#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool write_text(Sink& sink, const std::string& text) {
  return sink.write(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

/// A manual monotonic clock for rotation tests.
struct FakeClock {
  std::int64_t ns = 1'000'000'000;
  FileSink::Clock fn() {
    return [this] { return ns; };
  }
};

/// Sets TZ for the scope of a test (strftime works in local time).
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old, had_ = true;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTimeZone() {
    if (had_)
      setenv("TZ", old_.c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }

 private:
  std::string old_;
  bool had_ = false;
};

TEST(FileSinkTest, ExpandPatternFillsStrftimeFieldsInLocalTime) {
  ScopedTimeZone utc("UTC");
  const std::time_t when = 1709618828;  // 2024-03-05 06:07:08 UTC
  EXPECT_EQ(FileSink::expand_pattern("/rec/%Y-%m-%d/mix-%H%M%S.flac", when), "/rec/2024-03-05/mix-060708.flac");
  EXPECT_EQ(FileSink::expand_pattern("/rec/100%%-%Y.mp3", when), "/rec/100%-2024.mp3");
  EXPECT_EQ(FileSink::expand_pattern("/rec/plain.opus", when), "/rec/plain.opus");
  ScopedTimeZone plus_two("XXX-2");
  EXPECT_EQ(FileSink::expand_pattern("%H", when), "08");
}

TEST(FileSinkTest, NumberedPathInsertsNumberBeforeTheExtension) {
  EXPECT_EQ(FileSink::numbered_path("/rec/mix.flac", 2), "/rec/mix-2.flac");
  EXPECT_EQ(FileSink::numbered_path("/rec/mix.tar.gz", 3), "/rec/mix.tar-3.gz");
  EXPECT_EQ(FileSink::numbered_path("/rec.d/mix", 2), "/rec.d/mix-2");
  EXPECT_EQ(FileSink::numbered_path("/rec/.hidden", 2), "/rec/.hidden-2");
}

TEST(FileSinkTest, BeginStreamCreatesFileFromPatternAndMissingParentDirectories) {
  const std::string dir = test::make_temp_dir("crowdmesh-filesink");
  FileSink sink(dir + "/%Y/sub/mix.opus");
  char year[8];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::strftime(year, sizeof year, "%Y", &tm);
  const std::string expected = dir + "/" + year + "/sub/mix.opus";

  ASSERT_TRUE(sink.begin_stream({}));
  EXPECT_TRUE(fs::is_regular_file(expected));
  const SinkStatus st = sink.status();
  EXPECT_EQ(st.state, SinkState::open);
  EXPECT_EQ(st.target, expected);
  EXPECT_EQ(st.streams, 1u);
  sink.end_stream();
  EXPECT_EQ(sink.status().state, SinkState::closed);
  fs::remove_all(dir);
}

TEST(FileSinkTest, RelativePatternIsMadeAbsoluteAgainstWorkingDirectory) {
  FileSink sink("rec/%Y.flac");
  EXPECT_EQ(sink.pattern(), (fs::current_path() / "rec/%Y.flac").string());
}

TEST(FileSinkTest, ExistingFileIsNeverOverwrittenNumberedNamesInstead) {
  const std::string dir = test::make_temp_dir("crowdmesh-filesink");
  FileSink sink(dir + "/mix.flac");
  const std::vector<std::string> texts = {"first", "second", "third"};
  for (const auto& text : texts) {
    ASSERT_TRUE(sink.begin_stream({}));
    ASSERT_TRUE(write_text(sink, text));
    sink.end_stream();
  }
  EXPECT_EQ(read_file(dir + "/mix.flac"), "first");
  EXPECT_EQ(read_file(dir + "/mix-2.flac"), "second");
  EXPECT_EQ(read_file(dir + "/mix-3.flac"), "third");
  EXPECT_EQ(sink.status().target, dir + "/mix-3.flac");
  EXPECT_EQ(sink.status().streams, 3u);
  EXPECT_EQ(sink.status().bytes_written, 16u);
  fs::remove_all(dir);
}

TEST(FileSinkTest, RotationIsWantedOnceRotateSecondsHavePassedOnTheInjectedClock) {
  const std::string dir = test::make_temp_dir("crowdmesh-filesink");
  FakeClock clock;
  SinkOptions options;
  options.rotate_seconds = 60;
  FileSink sink(dir + "/mix.mp3", options, clock.fn());
  ASSERT_TRUE(sink.begin_stream({}));
  clock.ns += 59'900'000'000;
  EXPECT_FALSE(sink.wants_new_stream());
  clock.ns += 100'000'000;
  EXPECT_TRUE(sink.wants_new_stream());
  sink.end_stream();
  ASSERT_TRUE(sink.begin_stream({}));
  EXPECT_FALSE(sink.wants_new_stream());
  clock.ns += 61'000'000'000;
  EXPECT_TRUE(sink.wants_new_stream());
  fs::remove_all(dir);
}

TEST(FileSinkTest, NoRotationWhenRotateSecondsIsZero) {
  const std::string dir = test::make_temp_dir("crowdmesh-filesink");
  FakeClock clock;
  FileSink sink(dir + "/mix.mp3", {}, clock.fn());
  ASSERT_TRUE(sink.begin_stream({}));
  clock.ns += 86'400'000'000'000;
  EXPECT_FALSE(sink.wants_new_stream());
  fs::remove_all(dir);
}

TEST(FileSinkTest, UncreatablePathFailsNamingTheAbsolutePathAndLeavesStateFailed) {
  const std::string dir = test::make_temp_dir("crowdmesh-filesink");
  { std::ofstream(dir + "/blocker") << "a file, not a directory"; }
  const auto old_cwd = fs::current_path();
  fs::current_path(dir);
  FileSink sink("blocker/sub/mix.flac");  // relative: made absolute
  fs::current_path(old_cwd);

  auto ok = sink.begin_stream({});
  ASSERT_FALSE(ok);
  EXPECT_EQ(error_code(ok.error()), errc::io_error);
  const std::string sentence = error_sentence(ok.error());
  EXPECT_EQ(sentence.rfind("cannot create " + dir + "/blocker/sub/mix.flac: ", 0), 0u) << sentence;
  EXPECT_NE(sentence.find("Not a directory"), std::string::npos) << sentence;
  const SinkStatus st = sink.status();
  EXPECT_EQ(st.state, SinkState::failed);
  EXPECT_EQ(st.last_error, sentence);
  EXPECT_FALSE(write_text(sink, "lost"));
  fs::remove_all(dir);
}

TEST(FileSinkTest, UnwritableDirectoryGivesPermissionDenied) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const std::string dir = test::make_temp_dir("crowdmesh-filesink");
  fs::create_directory(dir + "/ro");
  ::chmod((dir + "/ro").c_str(), 0555);
  FileSink sink(dir + "/ro/mix.flac");
  auto ok = sink.begin_stream({});
  ASSERT_FALSE(ok);
  EXPECT_EQ(error_sentence(ok.error()), "cannot create " + dir + "/ro/mix.flac: Permission denied");
  EXPECT_EQ(sink.status().state, SinkState::failed);
  ::chmod((dir + "/ro").c_str(), 0755);
  fs::remove_all(dir);
}

TEST(FileSinkTest, SeekThenWriteOverwritesEarlierBytes) {
  const std::string dir = test::make_temp_dir("crowdmesh-filesink");
  FileSink sink(dir + "/mix.flac");
  ASSERT_TRUE(sink.begin_stream({}));
  EXPECT_TRUE(sink.seekable());
  ASSERT_TRUE(write_text(sink, "AAAAAAAAAA"));
  EXPECT_EQ(sink.tell(), 10u);
  ASSERT_TRUE(sink.seek(2));
  EXPECT_EQ(sink.tell(), 2u);
  ASSERT_TRUE(write_text(sink, "BB"));
  EXPECT_FALSE(sink.seek(11));  // past the end
  ASSERT_TRUE(sink.seek(10));
  ASSERT_TRUE(write_text(sink, "C"));
  sink.end_stream();
  EXPECT_EQ(read_file(dir + "/mix.flac"), "AABBAAAAAAC");
  EXPECT_EQ(sink.status().bytes_written, 11u);
  fs::remove_all(dir);
}

TEST(FileSinkTest, PollMakesWrittenBytesVisibleToAnotherReader) {
  const std::string dir = test::make_temp_dir("crowdmesh-filesink");
  FileSink sink(dir + "/live.opus");
  ASSERT_TRUE(sink.begin_stream({}));
  const std::string payload(1000, 'x');
  ASSERT_TRUE(write_text(sink, payload));
  sink.poll();
  EXPECT_EQ(read_file(dir + "/live.opus"), payload);  // file still open for writing
  EXPECT_EQ(sink.status().bytes_written, 1000u);
  fs::remove_all(dir);
}

TEST(FileSinkTest, WriteMoreThanASecondAfterLastHandOverReachesTheFileWithoutPoll) {
  const std::string dir = test::make_temp_dir("crowdmesh-filesink");
  FakeClock clock;
  FileSink sink(dir + "/live.opus", {}, clock.fn());
  ASSERT_TRUE(sink.begin_stream({}));
  ASSERT_TRUE(write_text(sink, "early"));
  clock.ns += 1'100'000'000;
  ASSERT_TRUE(write_text(sink, "late"));
  EXPECT_EQ(read_file(dir + "/live.opus"), "earlylate");
  fs::remove_all(dir);
}

TEST(FileSinkTest, WriteFailureIsCountedKeptInLastErrorAndStateFailed) {
  const std::string dir = test::make_temp_dir("crowdmesh-filesink");
  FileSink sink(dir + "/big.flac");
  ASSERT_TRUE(sink.begin_stream({}));
  // A file size limit makes pwrite fail with EFBIG (SIGXFSZ ignored meanwhile).
  rlimit old_limit{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct sigaction ignore {
  }, old_action{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &ignore, &old_action);
  rlimit small = old_limit;
  small.rlim_cur = 1000;
  setrlimit(RLIMIT_FSIZE, &small);
  const std::string payload(2000, 'x');
  const bool first = write_text(sink, payload);
  sink.poll();
  setrlimit(RLIMIT_FSIZE, &old_limit);
  sigaction(SIGXFSZ, &old_action, nullptr);
  (void)first;

  const SinkStatus st = sink.status();
  EXPECT_EQ(st.state, SinkState::failed);
  EXPECT_EQ(st.errors, 1u);
  EXPECT_EQ(st.last_error, "cannot write " + dir + "/big.flac: File too large");
  EXPECT_FALSE(write_text(sink, "more"));
  sink.end_stream();
  EXPECT_EQ(sink.status().state, SinkState::failed);
  // The owner's retry: a new stream opens a new file and writing works again.
  ASSERT_TRUE(sink.begin_stream({}));
  EXPECT_TRUE(write_text(sink, "ok"));
  sink.end_stream();
  EXPECT_EQ(read_file(dir + "/big-2.flac"), "ok");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace crowdmesh::encoder
