#include <gtest/gtest.h>

#include "telemetry/telemetry_store.hpp"

namespace crowdmesh::telemetry {
namespace {

constexpr std::int64_t kMs = 1'000'000;

crowdmesh::v1::Telemetry sample(const std::string& node, const std::string& actor, std::uint64_t seq) {
  crowdmesh::v1::Telemetry t;
  t.set_node(node);
  t.set_actor(actor);
  t.set_sequence(seq);
  t.mutable_process()->set_cpu_percent(static_cast<double>(seq));
  return t;
}

mesh::PeerState peer(const std::string& name, bool alive) {
  mesh::PeerState p;
  p.name = name;
  p.alive = alive;
  p.roles = {"device", "mixer"};
  return p;
}

TEST(TelemetryStoreTest, KeepsTheLatestSampleOfEachActor) {
  TelemetryStore store(100);
  store.put(sample("room-a", "process", 1), 0);
  store.put(sample("room-a", "process", 2), 10 * kMs);
  store.put(sample("room-a", "device", 7), 10 * kMs);
  auto samples = store.samples_of("room-a");
  ASSERT_EQ(samples.size(), 2u);
  for (const auto& s : samples) {
    if (s.actor() == "process") {
      EXPECT_EQ(s.sequence(), 2u);
    }
  }
}

TEST(TelemetryStoreTest, OlderSequenceIsIgnoredButARestartAtZeroIsTaken) {
  TelemetryStore store(100);
  store.put(sample("room-a", "process", 5), 0);
  store.put(sample("room-a", "process", 4), 1 * kMs);
  EXPECT_EQ(store.samples_of("room-a")[0].sequence(), 5u);
  store.put(sample("room-a", "process", 0), 2 * kMs);
  EXPECT_EQ(store.samples_of("room-a")[0].sequence(), 0u) << "the node restarted";
}

TEST(TelemetryStoreTest, NodeIsStaleAfterThreeMissedIntervals) {
  TelemetryStore store(100);
  store.put(sample("room-b", "process", 1), 0);
  auto fresh = store.snapshot({peer("room-b", true)}, 300 * kMs);
  ASSERT_EQ(fresh.nodes_size(), 1);
  EXPECT_FALSE(fresh.nodes(0).stale());
  EXPECT_EQ(fresh.nodes(0).age_ms(), 300);
  auto late = store.snapshot({peer("room-b", true)}, 301 * kMs);
  EXPECT_TRUE(late.nodes(0).stale());
  EXPECT_TRUE(late.nodes(0).alive()) << "alive comes from the heartbeats, not from telemetry";
}

TEST(TelemetryStoreTest, IdleNodeIsStaleOnlyAfterThreeOfItsAnnouncedIntervals) {
  TelemetryStore store(100);
  auto quiet = sample("room-c", "process", 1);
  quiet.set_next_sample_within_ms(1000);  // idle: the next sample within a second
  store.put(quiet, 0);
  EXPECT_FALSE(store.snapshot({peer("room-c", true)}, 2999 * kMs).nodes(0).stale());
  EXPECT_TRUE(store.snapshot({peer("room-c", true)}, 3001 * kMs).nodes(0).stale());
  auto busy = sample("room-c", "mixer", 2);
  busy.set_next_sample_within_ms(100);  // playing again: the newest sample rules
  store.put(busy, 3100 * kMs);
  EXPECT_FALSE(store.snapshot({peer("room-c", true)}, 3400 * kMs).nodes(0).stale());
  EXPECT_TRUE(store.snapshot({peer("room-c", true)}, 3401 * kMs).nodes(0).stale());
}

TEST(TelemetryStoreTest, KnownNodeWithoutTelemetryIsListedStaleWithItsLiveness) {
  TelemetryStore store(100);
  auto snap = store.snapshot({peer("room-a", true), peer("room-c", false)}, 0);
  ASSERT_EQ(snap.nodes_size(), 2);
  EXPECT_EQ(snap.nodes(1).node(), "room-c");
  EXPECT_FALSE(snap.nodes(1).alive());
  EXPECT_TRUE(snap.nodes(1).stale());
  EXPECT_EQ(snap.nodes(1).age_ms(), -1);
  EXPECT_EQ(snap.nodes(1).roles_size(), 2);
  EXPECT_EQ(snap.interval_ms(), 100u);
}

// Node and actor names arrive from the network. Before the cap every new
// (node, actor) pair added an entry for good: 10 000 forged sources meant
// 10 000 entries (and every GetTelemetry reply listed them all).
TEST(TelemetryStoreTest, TenThousandForgedSourcesKeepTheEntryCountAtTheCapAndCountTheEvictions) {
  TelemetryStore store(100);
  for (int i = 0; i < 10'000; ++i) store.put(sample("forged-" + std::to_string(i), "process", 1), i * kMs);
  const auto st = store.stats();
  EXPECT_EQ(st.entries, TelemetryStore::kDefaultMaxEntries);
  EXPECT_EQ(st.evicted, 10'000u - TelemetryStore::kDefaultMaxEntries);
  EXPECT_EQ(store.snapshot({}, 10'000 * kMs).nodes_size(), static_cast<int>(TelemetryStore::kDefaultMaxEntries));
  EXPECT_TRUE(store.samples_of("forged-0").empty()) << "the oldest-heard went first";
  EXPECT_EQ(store.samples_of("forged-9999").size(), 1u);
}

TEST(TelemetryStoreTest, PeerThatKeepsPublishingSurvivesAFloodOfNewSources) {
  TelemetryStore store(100, 8);
  std::uint64_t seq = 0;
  for (int i = 0; i < 1000; ++i) {
    if (i % 4 == 0) store.put(sample("room-a", "mixer", ++seq), i * kMs);
    store.put(sample("forged-" + std::to_string(i), "process", 1), i * kMs);
  }
  ASSERT_EQ(store.samples_of("room-a").size(), 1u);
  EXPECT_EQ(store.samples_of("room-a")[0].sequence(), seq);
  EXPECT_EQ(store.stats().entries, 8u);
}

TEST(TelemetryStoreTest, NewActorOfAKnownNodeEvictsTheOldestHeardEvenFromTheSameNode) {
  TelemetryStore store(100, 2);
  store.put(sample("room-a", "process", 1), 0);
  store.put(sample("room-b", "process", 1), 1 * kMs);
  store.put(sample("room-a", "process", 2), 2 * kMs);  // heard again: room-b is now the oldest
  store.put(sample("room-a", "mixer", 1), 3 * kMs);
  EXPECT_TRUE(store.samples_of("room-b").empty());
  EXPECT_EQ(store.samples_of("room-a").size(), 2u);
  EXPECT_EQ(store.stats().evicted, 1u);
  EXPECT_EQ(store.snapshot({}, 3 * kMs).nodes_size(), 1) << "a node without entries is not listed";
}

TEST(TelemetryStoreTest, OversizeSampleIsRefusedAndCounted) {
  TelemetryStore store(100);
  auto big = sample("room-a", "process", 1);
  for (std::size_t i = 0; i * 64 < TelemetryStore::kMaxSampleBytes; ++i)
    big.mutable_links()->add_links()->set_node(std::string(64, 'x'));
  store.put(big, 0);
  EXPECT_TRUE(store.samples_of("room-a").empty());
  EXPECT_EQ(store.stats().oversize, 1u);
  EXPECT_EQ(store.stats().entries, 0u);
}

}  // namespace
}  // namespace crowdmesh::telemetry
