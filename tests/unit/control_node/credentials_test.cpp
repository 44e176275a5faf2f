#include "control_node/credentials.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"

namespace crowdmesh::control {
namespace {

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cm-cred-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (const char* h = std::getenv("HOME")) home_ = h;
    ::setenv("HOME", dir_.c_str(), 1);
    ::unsetenv("CROWDMESH_KEY");
    node_ = *mesh::generate_curve_key_pair();
    Request keygen;
    keygen.kind = Request::Kind::keygen;
    keygen.keygen_name = "alice";
    ASSERT_TRUE(run_keygen(keygen));  // ~/.config/crowdmesh/operator.key
  }
  void TearDown() override {
    if (!home_.empty()) ::setenv("HOME", home_.c_str(), 1);
    std::filesystem::remove_all(dir_);
  }
  std::string config(const std::string& mode) {
    const auto path = (dir_ / ("mesh-" + mode + ".toml")).string();
    std::ofstream(path) << "[security]\nmode = \"" << mode << "\"\n[nodes.room-a]\ncontrol = \"tcp://10.0.0.11:7700\"\n"
                        << "public_key = \"" << node_.public_key << "\"\n";
    return path;
  }
  std::filesystem::path dir_;
  std::string home_;
  mesh::CurveKeyPair node_;
};

TEST_F(CredentialsTest, NothingGivenIsPlain) {
  Request r;
  auto c = resolve_credentials(r, "tcp://127.0.0.1:7700");
  ASSERT_TRUE(c) << error_sentence(c.error());
  EXPECT_FALSE(*c);
}

TEST_F(CredentialsTest, CurveConfigGivesTheNodeKeyAndTheDefaultOperatorKey) {
  Request r;
  r.config_path = config("curve");
  auto c = resolve_credentials(r, "tcp://10.0.0.11:7700");
  ASSERT_TRUE(c) << error_sentence(c.error());
  ASSERT_TRUE(*c);
  EXPECT_EQ((*c)->server_key, node_.public_key);
  EXPECT_EQ((*c)->key_file, (dir_ / ".config/crowdmesh/operator.key").string());
  EXPECT_EQ((*c)->own.public_key.size(), 40u);
}

TEST_F(CredentialsTest, PlainConfigNeedsNoKey) {
  Request r;
  r.config_path = config("plain");
  auto c = resolve_credentials(r, "tcp://10.0.0.11:7700");
  ASSERT_TRUE(c) << error_sentence(c.error());
  EXPECT_FALSE(*c);
}

TEST_F(CredentialsTest, EndpointOfNoNodeIsNamedWithTheNodes) {
  Request r;
  r.config_path = config("curve");
  auto c = resolve_credentials(r, "tcp://10.0.0.99:7700");
  ASSERT_FALSE(c);
  EXPECT_HAS(error_sentence(c.error()), "no node of");
  EXPECT_HAS(error_sentence(c.error()), "room-a tcp://10.0.0.11:7700");
}

TEST_F(CredentialsTest, KeyWithoutTheNodesKeyAsksForConfigOrServerKey) {
  Request r;
  r.key_file = (dir_ / ".config/crowdmesh/operator.key").string();
  auto c = resolve_credentials(r, "tcp://10.0.0.11:7700");
  ASSERT_FALSE(c);
  EXPECT_HAS(error_sentence(c.error()), "--config MESH.toml or --server-key KEY");
  r.server_key = "not-a-key";
  c = resolve_credentials(r, "tcp://10.0.0.11:7700");
  ASSERT_FALSE(c);
  EXPECT_HAS(error_sentence(c.error()), "--server-key has 9 characters");
  r.server_key = node_.public_key;
  c = resolve_credentials(r, "tcp://10.0.0.11:7700");
  ASSERT_TRUE(c) << error_sentence(c.error());
  EXPECT_TRUE(*c);
}

TEST_F(CredentialsTest, CurveMeshWithoutAnOperatorKeySaysHowToMakeOne) {
  std::filesystem::remove(dir_ / ".config/crowdmesh/operator.key");
  Request r;
  r.config_path = config("curve");
  auto c = resolve_credentials(r, "tcp://10.0.0.11:7700");
  ASSERT_FALSE(c);
  EXPECT_HAS(error_sentence(c.error()), "control_node keygen");
  EXPECT_HAS(error_sentence(c.error()), "[operators]");
}

TEST_F(CredentialsTest, KeygenPrintsTheSnippetAndNeverOverwrites) {
  Request k;
  k.kind = Request::Kind::keygen;
  k.keygen_name = "room-b";
  k.keygen_out = (dir_ / "keys/room-b.key").string();
  auto text = run_keygen(k);
  ASSERT_TRUE(text) << error_sentence(text.error());
  EXPECT_HAS(*text, "public key: ");
  EXPECT_HAS(*text, "[operators.room-b]");
  EXPECT_HAS(*text, "secret_key_file = \"" + k.keygen_out + "\"");
  auto again = run_keygen(k);
  ASSERT_FALSE(again);
  EXPECT_HAS(error_sentence(again.error()), "never overwrites");
}

}  // namespace
}  // namespace crowdmesh::control
