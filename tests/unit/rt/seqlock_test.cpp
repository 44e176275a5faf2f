// Seqlock and SpscQueue: the wait-free publication paths out of the audio callback.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "rt/seqlock.hpp"
#include "rt/spsc_queue.hpp"

namespace crowdmesh::rt {
namespace {

struct Timing {
  std::uint64_t a = 0;
  std::int64_t b = 0;
  std::uint64_t c = 0;
};

TEST(SeqlockTest, LoadReturnsTheLastStoredValue) {
  Seqlock<Timing> s;
  EXPECT_EQ(s.load().a, 0u);
  s.store(Timing{1, -2, 3});
  const auto t = s.load();
  EXPECT_EQ(t.a, 1u);
  EXPECT_EQ(t.b, -2);
  EXPECT_EQ(t.c, 3u);
  EXPECT_EQ(s.version(), 1u);
}

// A reader racing a writer never sees a torn value: every field of a stored
// value is derived from the same counter. The writer goes on until the reader
// has read 1000 times during the writes (on a busy machine the reader may
// start only after 200 000 stores), so the race is always exercised.
TEST(SeqlockTest, ConcurrentReaderNeverSeesATornValue) {
  Seqlock<Timing> s;
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> reads{0};
  std::uint64_t written = 0;
  std::thread writer([&] {
    for (std::uint64_t i = 1; i <= 200000 || reads.load(std::memory_order_relaxed) < 1000; ++i) {
      s.store(Timing{i, -static_cast<std::int64_t>(i), i * 3});
      written = i;
    }
    done.store(true);
  });
  std::uint64_t torn = 0, last = 0, backwards = 0;
  while (!done.load()) {
    const auto t = s.load();
    reads.fetch_add(1, std::memory_order_relaxed);
    if (t.b != -static_cast<std::int64_t>(t.a) || t.c != t.a * 3) ++torn;
    if (t.a < last) ++backwards;
    last = t.a;
  }
  writer.join();
  EXPECT_GE(reads.load(), 1000u);
  EXPECT_EQ(torn, 0u);
  EXPECT_EQ(backwards, 0u);
  EXPECT_EQ(s.load().a, written);
}

TEST(SpscQueueTest, PushFailsWhenFullAndPopsInOrder) {
  SpscQueue<Timing> q(4);
  for (std::uint64_t i = 0; i < 4; ++i) EXPECT_TRUE(q.try_push(Timing{i, 0, 0}));
  EXPECT_FALSE(q.try_push(Timing{99, 0, 0}));
  Timing t;
  for (std::uint64_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(q.try_pop(t));
    EXPECT_EQ(t.a, i);
  }
  EXPECT_FALSE(q.try_pop(t));
}

TEST(SpscQueueTest, ProducerAndConsumerThreadsPassEveryRecordOnce) {
  SpscQueue<Timing> q(64);
  constexpr std::uint64_t kCount = 100000;
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kCount;)
      if (q.try_push(Timing{i, 0, 0})) ++i;
  });
  std::uint64_t expected = 0;
  Timing t;
  while (expected < kCount)
    if (q.try_pop(t)) {
      ASSERT_EQ(t.a, expected);
      ++expected;
    }
  producer.join();
  EXPECT_FALSE(q.try_pop(t));
}

}  // namespace
}  // namespace crowdmesh::rt
