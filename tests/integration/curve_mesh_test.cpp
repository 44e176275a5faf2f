// Two audio_node processes in a mesh with security.mode = "curve" (keys made
// by control_node keygen, as an installer would): an operator with a key
// controls both rooms; a client with no key, or with a key the mesh does not
// list, gets nothing in, is told why, and is counted in the telemetry; the
// rooms play on throughout (docs/SECURITY.md).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "audio_files.hpp"
#include "child_process.hpp"
#include "mesh/curve_keys.hpp"
#include "mesh/envelope_codec.hpp"
#include "mesh/socket_security.hpp"
#include "node_process.hpp"

namespace crowdmesh::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kControlA = "tcp://127.0.0.1:7760";
const std::string kControlB = "tcp://127.0.0.1:7770";

class CurveMeshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    music_ = music_dir();
    ASSERT_FALSE(music_.empty()) << "run deploy/fetch-demo-music.sh";
    dir_ = make_temp_dir("crowdmesh-curve");
    const std::string a = keygen("room-a", dir_ + "/keys/room-a.key");
    const std::string b = keygen("room-b", dir_ + "/keys/room-b.key");
    const std::string alice = keygen("alice", dir_ + "/alice.key");
    const std::string stranger = keygen("mallory", dir_ + "/mallory.key");
    ASSERT_FALSE(a.empty() || b.empty() || alice.empty() || stranger.empty());
    std::ofstream(dir_ + "/mesh.toml") << "[security]\nmode = \"curve\"\n"
                                       << "[media]\nroots = [\"" << music_ << "\"]\n"
                                       << "[nodes.room-a]\ncontrol = \"" << kControlA << "\"\npublic_key = \"" << a
                                       << "\"\n[nodes.room-a.osc]\nenabled = false\n"
                                       << "[nodes.room-b]\ncontrol = \"" << kControlB << "\"\npublic_key = \"" << b
                                       << "\"\n[nodes.room-b.osc]\nenabled = false\n"
                                       << "[operators.alice]\npublic_key = \"" << alice << "\"\n";
    for (const char* room : {"room-a", "room-b"}) {
      const std::string r = room;
      pids_.push_back(spawn_process({AUDIO_NODE_BIN, "--config", dir_ + "/mesh.toml", "--name", r, "--backend",
                                     "virtual", "--a", music_ + "/frontiers.mp3", "--loop", "--summary-json",
                                     dir_ + "/" + r + ".json"},
                                    dir_ + "/" + r + ".out", dir_ + "/" + r + ".log"));
      ASSERT_GT(pids_.back(), 0);
    }
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline &&
           (alice_ctl(kControlA, {"status"}).status != 0 || alice_ctl(kControlA, {"--to", "room-b", "status"}).status != 0))
      std::this_thread::sleep_for(200ms);
  }
  void TearDown() override {
    for (pid_t p : pids_)
      if (p > 0) terminate_process(p);
    std::filesystem::remove_all(dir_);
  }

  // `control_node keygen`: returns the public key it printed.
  std::string keygen(const std::string& name, const std::string& out) {
    auto r = run_control_node(CONTROL_NODE_BIN, {"keygen", "--name", name, "--out", out}, dir_);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    std::smatch m;
    if (!std::regex_search(r.out, m, std::regex("public key: (\\S{40})"))) return {};
    return m[1];
  }

  ControlRun ctl(std::vector<std::string> args) {
    auto r = run_control_node(CONTROL_NODE_BIN, args, dir_);
    r.out += r.err;
    return r;
  }
  ControlRun alice_ctl(const std::string& endpoint, std::vector<std::string> args) {
    args.insert(args.begin(), {"--connect", endpoint, "--config", dir_ + "/mesh.toml", "--key", dir_ + "/alice.key"});
    return ctl(args);
  }

  nlohmann::json links_of(const std::string& room) {
    const auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline) {
      auto t = nlohmann::json::parse(alice_ctl(kControlA, {"--json", "top", "--once"}).out, nullptr, false);
      if (t.is_object() && t.contains("nodes"))
        for (const auto& n : t["nodes"])
          if (n.value("node", "") == room && n["link_counters"].is_object()) return n;
      std::this_thread::sleep_for(200ms);
    }
    return {};
  }

  std::string music_, dir_;
  std::vector<pid_t> pids_;
};

TEST_F(CurveMeshTest, OperatorWithAKeyControlsEveryRoom) {
  auto a = alice_ctl(kControlA, {"--json", "status"});
  ASSERT_EQ(a.status, 0) << a.out;
  auto b = alice_ctl(kControlA, {"--to", "room-b", "--json", "status"});  // forwarded over CURVE
  ASSERT_EQ(b.status, 0) << b.out;
  auto all = alice_ctl(kControlB, {"--to", "*", "gain", "A", "-3"});
  EXPECT_EQ(all.status, 0) << all.out;
  auto n = links_of("room-a");
  ASSERT_FALSE(n.is_null());
  EXPECT_EQ(n["security"], "curve") << n.dump(2);
}

TEST_F(CurveMeshTest, ClientWithoutAKeyIsRefusedAndToldWhy) {
  auto r = ctl({"--connect", kControlA, "--timeout", "1500", "status"});
  EXPECT_NE(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("the node uses CURVE keys; pass --key"), std::string::npos) << r.out;
  auto n = links_of("room-a");
  ASSERT_FALSE(n.is_null());
  EXPECT_GE(n["link_counters"]["connections_refused"].get<std::uint64_t>(), 1u) << n.dump(2);
}

TEST_F(CurveMeshTest, UnknownKeyGetsNoneOfAThousandCommandsIn) {
  auto stranger = mesh::read_curve_key_file(dir_ + "/mallory.key");
  ASSERT_TRUE(stranger);
  std::smatch m;
  const std::string toml = read_text(dir_ + "/mesh.toml");
  ASSERT_TRUE(std::regex_search(toml, m, std::regex("public_key = \"(\\S{40})\"")));  // room-a's, first in the file
  zmq::context_t ctx{1};
  zmq::socket_t dealer{ctx, zmq::socket_type::dealer};
  dealer.set(zmq::sockopt::linger, 0);
  mesh::MeshSecurity sec;
  sec.curve = true;
  sec.own = *stranger;
  mesh::secure_client(dealer, sec, m[1]);
  dealer.connect(kControlA);
  int sent = 0;
  for (int i = 0; i < 1000; ++i) {
    v1::Envelope env;
    env.set_protocol_version(1);
    env.set_source("mallory/cli");
    env.set_target("*/mixer");
    env.set_correlation_id(static_cast<std::uint64_t>(i + 1));
    env.mutable_command()->mutable_set_master_gain()->set_gain_db(-96);
    if (dealer.send(zmq::buffer(mesh::encode_envelope(env)), zmq::send_flags::dontwait)) ++sent;
  }
  std::vector<zmq::pollitem_t> items = {{dealer.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 2000ms);
  EXPECT_FALSE(items[0].revents & ZMQ_POLLIN) << "a reply came back to an unknown key";
  auto n = links_of("room-a");
  ASSERT_FALSE(n.is_null());
  EXPECT_GE(n["link_counters"]["unknown_keys"].get<std::uint64_t>(), 1u) << n.dump(2);
  EXPECT_GE(n["link_counters"]["connections_refused"].get<std::uint64_t>(), 1u) << n.dump(2);
  // Nothing of it reached the mixer: the master is where it was.
  auto st = alice_ctl(kControlA, {"--json", "status"});
  ASSERT_EQ(st.status, 0) << st.out;
  auto j = nlohmann::json::parse(st.out, nullptr, false);
  EXPECT_GT(j["ok"]["status"].value("master_gain_db", 0.0), -1.0) << st.out;
  std::printf("unknown key: %d of 1000 commands queued by the client, 0 accepted\n", sent);
}

TEST_F(CurveMeshTest, RoomsPlayOnWithoutProducerUnderrunsThroughTheRefusals) {
  for (int i = 0; i < 20; ++i) ctl({"--connect", kControlA, "--timeout", "100", "status"});
  std::this_thread::sleep_for(2s);
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    ASSERT_EQ(terminate_process(pids_[i]), 0);
    pids_[i] = -1;
  }
  for (const char* room : {"room-a", "room-b"}) {
    std::ifstream in(dir_ + "/" + room + ".json");
    auto s = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(s.is_discarded()) << room;
    std::printf("%s: %s\n", room, host_lateness(s).c_str());
    EXPECT_EQ(producer_fault(s), "") << room << ": " << s.dump(2);
  }
}

}  // namespace
}  // namespace crowdmesh::test
