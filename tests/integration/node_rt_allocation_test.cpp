// The real-time rule, proven on the whole node: with every deck playing
// (decode, resampling, EQ, limiter, recording tap, master stream all running),
// neither the device callback nor the playout thread's period work (mixer
// render, drift-locked resampling, ring write, hand-off to the tap relay)
// makes a heap allocation. The malloc interposer counts calls made inside
// rt::RtContextScope, which the callback and the playout thread open.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "audio_files.hpp"
#include "node.hpp"
#include "rt_alloc_counter.hpp"

namespace crowdmesh::test {
namespace {

class NodeRtAllocationTest : public ::testing::TestWithParam<bool> {};

TEST_P(NodeRtAllocationTest, CallbackAndPlayoutThreadAllocateNothingWithEveryDeckPlaying) {
  if (!rt_alloc_counter_active()) GTEST_SKIP() << "sanitizer builds replace malloc: counter inactive";
  const bool realtime = GetParam();
  const auto dir = make_temp_dir("crowdmesh-rtalloc");
  node::NodeOptions o;
  const int rates[] = {44100, 22050, 48000, 32000};
  const char* decks[] = {"A", "B", "C", "D"};
  for (int i = 0; i < 4; ++i) {
    const auto path = dir + "/deck" + decks[i] + ".wav";
    ASSERT_TRUE(write_sine_wav(path, rates[i], i == 2 ? 1 : 2, 10.0, 220.0 * (i + 1), 0.3));
    o.tracks.push_back({decks[i], path});
  }
  o.backend = "virtual";
  o.device.realtime = realtime;
  o.duration_seconds = realtime ? 2.0 : 8.0;
  o.record_path = dir + "/mix.wav";
  o.summary_json_path = dir + "/summary.json";
  o.eqs.push_back({"A", "-6,0,3"});
  o.log_level = "warn";
  o.osc_off = true;  // not under test here, and 57122 may be held by a local cluster
  reset_rt_allocations();
  ASSERT_EQ(node::run_node(o), 0);
  const auto allocations = rt_allocations();
  std::ifstream in(o.summary_json_path);
  const auto summary = nlohmann::json::parse(in);
  EXPECT_GT(summary["callbacks"].get<std::uint64_t>(), 100u) << "the callback must actually have run";
  // Real pace: the playout thread rendered every block (its figures exist).
  if (realtime) {
    EXPECT_TRUE(summary.contains("playout")) << summary.dump();
  }
  for (const auto& d : summary["decks"]) EXPECT_EQ(d["state"], "playing") << d.dump();
  EXPECT_EQ(allocations, 0u);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(VirtualClock, NodeRtAllocationTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "RealPace" : "Offline"; });

}  // namespace
}  // namespace crowdmesh::test
