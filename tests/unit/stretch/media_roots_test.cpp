#include "stretch/media_roots.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "stretch_test_support.hpp"

namespace crowdmesh::stretch {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

void touch(const std::string& path) { std::ofstream(path) << "x"; }

TEST(MediaRootsTest, WithoutRootsAnyPathIsAllowedAsItsAbsolutePath) {
  MediaRoots roots;
  EXPECT_TRUE(roots.unrestricted());
  auto r = roots.resolve("/srv/music/../music/a.wav");
  ASSERT_TRUE(r) << error_sentence(r.error());
  EXPECT_EQ(*r, "/srv/music/a.wav");
  EXPECT_EQ(roots.describe(), "any readable file (no media roots set)");
}

TEST(MediaRootsTest, AFileInsideARootResolvesToItsCanonicalPath) {
  TempDir dir;
  fs::create_directories(dir.file("music/set1"));
  touch(dir.file("music/set1/a.wav"));
  auto roots = MediaRoots::make({dir.file("music")});
  ASSERT_TRUE(roots) << error_sentence(roots.error());
  auto r = roots->resolve(dir.file("music/set1/../set1/a.wav"));
  ASSERT_TRUE(r) << error_sentence(r.error());
  EXPECT_EQ(*r, fs::canonical(dir.file("music/set1/a.wav")).string());
}

TEST(MediaRootsTest, APathOutsideTheRootsIsRefusedTheSameWayWhetherOrNotItExists) {
  TempDir dir;
  fs::create_directories(dir.file("music"));
  touch(dir.file("secret.wav"));
  auto roots = MediaRoots::make({dir.file("music")});
  ASSERT_TRUE(roots);
  auto exists = roots->resolve(dir.file("secret.wav"));
  auto missing = roots->resolve(dir.file("nothing-here.wav"));
  auto dotdot = roots->resolve(dir.file("music/../secret.wav"));
  for (const auto* r : {&exists, &missing, &dotdot}) {
    ASSERT_FALSE(*r);
    EXPECT_EQ(error_code(r->error()), errc::not_allowed);
    const auto s = error_sentence(r->error());
    EXPECT_NE(s.find("is not allowed: only files inside " + fs::canonical(dir.file("music")).string()),
              std::string::npos)
        << s;
    EXPECT_EQ(s.find("not found"), std::string::npos) << s;
  }
}

TEST(MediaRootsTest, ASymbolicLinkLeadingOutOfTheRootsIsRefused) {
  TempDir dir;
  fs::create_directories(dir.file("music"));
  touch(dir.file("secret.wav"));
  fs::create_symlink(dir.file("secret.wav"), dir.file("music/link.wav"));
  auto roots = MediaRoots::make({dir.file("music")});
  ASSERT_TRUE(roots);
  auto r = roots->resolve(dir.file("music/link.wav"));
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::not_allowed);
}

TEST(MediaRootsTest, AMissingFileInsideARootIsFileNotFoundWithItsAbsolutePath) {
  TempDir dir;
  fs::create_directories(dir.file("music"));
  auto roots = MediaRoots::make({dir.file("music")});
  ASSERT_TRUE(roots);
  auto r = roots->resolve(dir.file("music/gone.wav"));
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::file_not_found);
  EXPECT_NE(error_sentence(r.error()).find(dir.file("music/gone.wav")), std::string::npos);
}

TEST(MediaRootsTest, ARootMustBeAnExistingFolder) {
  TempDir dir;
  touch(dir.file("file.wav"));
  auto missing = MediaRoots::make({dir.file("nope")});
  ASSERT_FALSE(missing);
  EXPECT_EQ(error_code(missing.error()), errc::file_not_found);
  EXPECT_NE(error_sentence(missing.error()).find(dir.file("nope")), std::string::npos);
  auto file = MediaRoots::make({dir.file("file.wav")});
  ASSERT_FALSE(file);
  EXPECT_EQ(error_code(file.error()), errc::value_out_of_range);
  auto empty = MediaRoots::make({""});
  ASSERT_FALSE(empty);
}

TEST(MediaRootsTest, ARootNamedThroughALinkAcceptsFilesWrittenEitherWay) {
  TempDir dir;
  fs::create_directories(dir.file("data/music"));
  touch(dir.file("data/music/a.wav"));
  fs::create_directory_symlink(dir.file("data/music"), dir.file("music"));
  auto roots = MediaRoots::make({dir.file("music")});
  ASSERT_TRUE(roots);
  EXPECT_TRUE(roots->resolve(dir.file("music/a.wav")));
  EXPECT_TRUE(roots->resolve(dir.file("data/music/a.wav")));
  // A sibling whose name starts like the root is not inside it.
  fs::create_directories(dir.file("data/music2"));
  touch(dir.file("data/music2/b.wav"));
  auto sibling = roots->resolve(dir.file("data/music2/b.wav"));
  ASSERT_FALSE(sibling);
  EXPECT_EQ(error_code(sibling.error()), errc::not_allowed);
}

}  // namespace
}  // namespace crowdmesh::stretch
