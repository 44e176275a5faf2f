#include "mixer/pending_starts.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tone_load.hpp"

namespace crowdmesh::mixer {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class PendingStartsTest : public ::testing::Test {
 protected:
  PendingStartsTest() : mixer_(test::test_mixer_config()) {}
  // A reply that records the reports it was given.
  StartReply recorder() {
    return [this](StartReport r) { replies_.push_back(std::move(r)); };
  }
  const Clock::time_point t0_ = Clock::time_point{} + 10s;
  Mixer mixer_;
  PendingStarts starts_;
  std::vector<StartReport> replies_;
};

TEST_F(PendingStartsTest, AGroupWaitsForALoadingDeckThenStartsItOnce) {
  mixer_.begin_load(DeckId::A, 1, "/tmp/slow.mp3");
  const auto key = starts_.add(StartGroup({"A"}, 0, t0_ + 3s), recorder());
  auto p = starts_.poll(key, mixer_, t0_);
  EXPECT_TRUE(p.waiting);
  EXPECT_FALSE(p.answer);
  test::load_tone(mixer_, DeckId::A, 1);
  p = starts_.poll(key, mixer_, t0_ + 5ms);
  EXPECT_FALSE(p.waiting);
  ASSERT_TRUE(p.answer);
  EXPECT_EQ(p.answer->report.started, std::vector<std::string>{"A"});
  p.answer->reply(p.answer->report);
  EXPECT_EQ(replies_.size(), 1u) << "the answer carries the request's own reply";
  EXPECT_EQ(starts_.size(), 0u);
  p = starts_.poll(key, mixer_, t0_ + 10ms);
  EXPECT_FALSE(p.waiting) << "answered: no more polls";
  EXPECT_FALSE(p.answer) << "answered once";
}

TEST_F(PendingStartsTest, TheReadyTimeoutAnswersWithTheDeckStillLoading) {
  test::load_tone(mixer_, DeckId::B, 1);
  mixer_.begin_load(DeckId::A, 1, "/tmp/slow.mp3");
  const auto key = starts_.add(StartGroup({"A", "B"}, 0, t0_ + 200ms), recorder());
  EXPECT_TRUE(starts_.poll(key, mixer_, t0_ + 199ms).waiting);
  const auto p = starts_.poll(key, mixer_, t0_ + 200ms);
  ASSERT_TRUE(p.answer);
  EXPECT_EQ(p.answer->report.started, std::vector<std::string>{"B"});
  ASSERT_EQ(p.answer->report.not_ready.size(), 1u);
  EXPECT_EQ(p.answer->report.not_ready[0].rfind("A: ", 0), 0u) << p.answer->report.not_ready[0];
}

TEST_F(PendingStartsTest, ResetAnswersEveryWaitingGroupCancelledAndStartsNothing) {
  mixer_.begin_load(DeckId::A, 1, "/tmp/slow.mp3");
  const auto first = starts_.add(StartGroup({"A"}, 0, t0_ + 3s), recorder());
  const auto second = starts_.add(StartGroup({"A", "X"}, 0, t0_ + 3s), recorder());
  auto answers = starts_.cancel_all();
  ASSERT_EQ(answers.size(), 2u);
  for (auto& a : answers) a.reply(a.report);
  ASSERT_EQ(replies_.size(), 2u);
  EXPECT_EQ(replies_[0].not_ready, std::vector<std::string>{"A: cancelled by reset"});
  EXPECT_EQ(replies_[1].not_ready, (std::vector<std::string>{"A: cancelled by reset", "X: cancelled by reset"}));
  EXPECT_EQ(starts_.size(), 0u);
  test::load_tone(mixer_, DeckId::A, 1);
  for (auto key : {first, second}) {
    const auto p = starts_.poll(key, mixer_, t0_ + 5s);
    EXPECT_FALSE(p.waiting);
    EXPECT_FALSE(p.answer) << "a cancelled group must not start later";
  }
  EXPECT_EQ(mixer_.status().decks[0].buffers[0].state, BufferState::ready);
  EXPECT_TRUE(starts_.cancel_all().empty());
}

TEST_F(PendingStartsTest, KeysAreNeverReused) {
  const auto first = starts_.add(StartGroup({"A"}, 0, t0_), recorder());
  ASSERT_TRUE(starts_.poll(first, mixer_, t0_).answer);
  const auto second = starts_.add(StartGroup({"B"}, 0, t0_), recorder());
  EXPECT_NE(first, second);
  EXPECT_FALSE(starts_.poll(first, mixer_, t0_).answer);
  EXPECT_TRUE(starts_.poll(second, mixer_, t0_).answer);
}

}  // namespace
}  // namespace crowdmesh::mixer
