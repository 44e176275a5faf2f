#include "stretch/file_opener.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "common/error.hpp"

namespace crowdmesh::stretch {
namespace {

using namespace std::chrono_literals;

// A gate a job waits on: stands for an open() that hangs until released.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [this] { return open; });
  }
  void release() {
    std::lock_guard<std::mutex> lk(m);
    open = true;
    cv.notify_all();
  }
};

FileOpener::Result refused() { return make_error(errc::not_allowed, "outside the roots"); }

TEST(FileOpenerTest, AFinishedJobNotifiesOnceAndItsResultIsTakenOnce) {
  FileOpener opener(2);
  std::promise<std::uint64_t> told;
  auto id = opener.start("/music/a.wav", refused, [&](std::uint64_t i) { told.set_value(i); });
  ASSERT_TRUE(id) << error_sentence(id.error());
  auto f = told.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), *id);
  auto r = opener.take(*id);
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(*r);
  EXPECT_EQ(error_code(r->error()), errc::not_allowed);
  EXPECT_FALSE(opener.take(*id).has_value());
  EXPECT_EQ(opener.in_flight(), 0u);
}

TEST(FileOpenerTest, AHungJobDoesNotBlockTheCallerAndCanBeAbandoned) {
  FileOpener opener(2);
  auto gate = std::make_shared<Gate>();
  bool notified = false;
  const auto t0 = std::chrono::steady_clock::now();
  auto id = opener.start("/mnt/share/hung.wav", [gate] { gate->wait(); return refused(); },
                         [&](std::uint64_t) { notified = true; });
  ASSERT_TRUE(id);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_FALSE(opener.take(*id).has_value());  // still running
  EXPECT_EQ(opener.in_flight(), 1u);
  EXPECT_TRUE(opener.abandon(*id));
  EXPECT_EQ(opener.abandoned(), 1u);
  gate->release();
  for (int i = 0; i < 500 && opener.in_flight() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(opener.in_flight(), 0u);
  EXPECT_FALSE(notified);  // an abandoned job's result is dropped, nobody is told
  EXPECT_FALSE(opener.take(*id).has_value());
}

TEST(FileOpenerTest, HungJobsCountAgainstTheCapAndTheRefusalNamesTheOldest) {
  FileOpener opener(2);
  auto gate = std::make_shared<Gate>();
  auto hang = [gate] { gate->wait(); return refused(); };
  auto a = opener.start("/mnt/share/first.wav", hang, nullptr);
  auto b = opener.start("/mnt/share/second.wav", hang, nullptr);
  ASSERT_TRUE(a && b);
  opener.abandon(*a);  // given up on, but its thread still runs
  auto c = opener.start("/music/third.wav", refused, nullptr);
  ASSERT_FALSE(c);
  EXPECT_EQ(error_code(c.error()), errc::not_ready);
  EXPECT_NE(error_sentence(c.error()).find("2 files are still opening (the oldest: /mnt/share/first.wav"),
            std::string::npos)
      << error_sentence(c.error());
  gate->release();
  for (int i = 0; i < 500 && opener.in_flight() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(opener.start("/music/third.wav", refused, nullptr));
}

TEST(FileOpenerTest, JobsStillRunningWhenTheOpenerIsDestroyedEndSafely) {
  auto gate = std::make_shared<Gate>();
  std::promise<void> ran;
  {
    FileOpener opener(1);
    ASSERT_TRUE(opener.start("/mnt/share/late.wav",
                             [gate, &ran] {
                               gate->wait();
                               ran.set_value();
                               return refused();
                             },
                             [](std::uint64_t) { FAIL() << "notified after the opener was gone"; }));
  }
  gate->release();
  EXPECT_EQ(ran.get_future().wait_for(5s), std::future_status::ready);
  std::this_thread::sleep_for(50ms);  // the job thread drops its result and ends
}

}  // namespace
}  // namespace crowdmesh::stretch
