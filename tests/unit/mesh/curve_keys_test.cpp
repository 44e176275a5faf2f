#include "mesh/curve_keys.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "common/z85_key.hpp"
#include "mesh/zap_handler.hpp"

namespace crowdmesh::mesh {
namespace {

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

class CurveKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cm-keys-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(CurveKeysTest, GeneratedPairsAreValidAndDistinct) {
  auto a = generate_curve_key_pair();
  auto b = generate_curve_key_pair();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(z85_key_problem(a->public_key), "");
  EXPECT_EQ(z85_key_problem(a->secret_key), "");
  EXPECT_NE(a->public_key, b->public_key);
  EXPECT_NE(a->public_key, a->secret_key);
}

TEST_F(CurveKeysTest, WrittenFileIsPrivateAndReadsBack) {
  auto pair = generate_curve_key_pair();
  ASSERT_TRUE(pair);
  const auto path = (dir_ / "sub" / "room-a.key").string();
  ASSERT_TRUE(write_curve_key_file(path, *pair, "room-a"));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto back = read_curve_key_file(path);
  ASSERT_TRUE(back) << error_sentence(back.error());
  EXPECT_EQ(back->public_key, pair->public_key);
  EXPECT_EQ(back->secret_key, pair->secret_key);
}

TEST_F(CurveKeysTest, KeygenNeverOverwritesAKey) {
  auto pair = generate_curve_key_pair();
  const auto path = (dir_ / "op.key").string();
  ASSERT_TRUE(write_curve_key_file(path, *pair, "op"));
  auto again = write_curve_key_file(path, *generate_curve_key_pair(), "op");
  ASSERT_FALSE(again);
  EXPECT_HAS(error_sentence(again.error()), "already exists; keygen never overwrites a key");
  EXPECT_EQ(read_curve_key_file(path)->public_key, pair->public_key);
}

TEST_F(CurveKeysTest, FileReadableByOthersIsRefusedWithTheChmodToRun) {
  const auto path = (dir_ / "open.key").string();
  ASSERT_TRUE(write_curve_key_file(path, *generate_curve_key_pair(), "x"));
  ::chmod(path.c_str(), 0644);
  auto r = read_curve_key_file(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::not_allowed);
  EXPECT_HAS(error_sentence(r.error()), "mode 0644");
  EXPECT_HAS(error_sentence(r.error()), "chmod 600 " + path);
}

TEST_F(CurveKeysTest, MissingMismatchedOrMalformedFilesAreNamed) {
  auto missing = read_curve_key_file((dir_ / "none.key").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(error_code(missing.error()), errc::file_not_found);
  EXPECT_HAS(error_sentence(missing.error()), "control_node keygen --out " + (dir_ / "none.key").string());

  std::filesystem::create_directories(dir_);
  auto a = generate_curve_key_pair();
  auto b = generate_curve_key_pair();
  const auto mixed = (dir_ / "mixed.key").string();
  {
    std::ofstream f(mixed);
    f << "public_key = \"" << a->public_key << "\"\nsecret_key = \"" << b->secret_key << "\"\n";
  }
  ::chmod(mixed.c_str(), 0600);
  auto m = read_curve_key_file(mixed);
  ASSERT_FALSE(m);
  EXPECT_HAS(error_sentence(m.error()), "is not the public half of secret_key");

  const auto half = (dir_ / "half.key").string();
  {
    std::ofstream f(half);
    f << "public_key = \"" << a->public_key << "\"\n";
  }
  ::chmod(half.c_str(), 0600);
  auto h = read_curve_key_file(half);
  ASSERT_FALSE(h);
  EXPECT_HAS(error_sentence(h.error()), "has no secret_key");
}

TEST(ZapDecisionTest, KnownKeyIsLetInWithItsNameAndOthersAreRefused) {
  auto node = generate_curve_key_pair();
  auto stranger = generate_curve_key_pair();
  const std::vector<AuthorizedKey> keys{{"node:room-b", node->public_key}};
  auto binary = [](const std::string& z85) {
    auto b = decode_z85_key(z85);
    return std::string(reinterpret_cast<const char*>(b->data()), b->size());
  };
  const ZapDecision in = decide_zap(keys, "CURVE", binary(node->public_key));
  EXPECT_EQ(in.status_code, "200");
  EXPECT_EQ(in.user_id, "node:room-b");
  const ZapDecision out = decide_zap(keys, "CURVE", binary(stranger->public_key));
  EXPECT_EQ(out.status_code, "400");
  EXPECT_EQ(out.user_id, "");
  EXPECT_HAS(out.status_text, "unknown key " + stranger->public_key);
  EXPECT_EQ(decide_zap(keys, "NULL", "").status_code, "400");
  EXPECT_EQ(decide_zap(keys, "CURVE", "short").status_code, "400");
}

}  // namespace
}  // namespace crowdmesh::mesh
