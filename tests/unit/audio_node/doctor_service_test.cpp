// DoctorService with a stand-in for the device measurement (no sound card):
// one run at a time, refusals before a run starts, and a shutdown that never
// waits for a run. Before the stop flag, ~DoctorService joined the run's
// thread, so destroying the service (the node's SIGTERM path) waited for the
// whole measurement: periods × seconds, up to minutes.
#include "doctor_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace crowdmesh::node {
namespace {

namespace v1 = crowdmesh::v1;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Every reply a run gave, from whichever thread.
class Replies {
 public:
  ReplyFn fn() {
    return [this](v1::Reply r) {
      std::lock_guard<std::mutex> lock(m_);
      got_.push_back(std::move(r));
      cv_.notify_all();
    };
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
  }
  std::vector<v1::Reply> all() {
    std::lock_guard<std::mutex> lock(m_);
    return got_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<v1::Reply> got_;
};

// A run that takes `length` unless stopped; `started` is set when it begins.
DoctorRunner slow_runner(std::shared_ptr<std::promise<void>> started, std::chrono::milliseconds length) {
  return [started, length](const DoctorPlan&, const std::atomic<bool>& stop) {
    started->set_value();
    const auto until = Clock::now() + length;
    while (!stop.load() && Clock::now() < until) std::this_thread::sleep_for(1ms);
    v1::Reply r;
    r.mutable_ok()->mutable_doctor()->set_text("measured");
    return r;
  };
}

TEST(DoctorServiceTest, DestroyingDuringAMultiSecondRunReturnsWithin500MsAndRepliesShuttingDown) {
  Replies replies;
  auto started = std::make_shared<std::promise<void>>();
  auto begun = started->get_future();
  auto service = std::make_unique<DoctorService>(slow_runner(started, 10s));
  service->run(v1::RunDoctor{}, replies.fn());
  ASSERT_EQ(begun.wait_for(5s), std::future_status::ready);
  const auto t0 = Clock::now();
  service.reset();
  const auto took = Clock::now() - t0;
  EXPECT_LT(took, 500ms) << "destruction waited "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  const auto got = replies.all();
  ASSERT_EQ(got.size(), 1u) << "exactly one reply, given before the destructor returned";
  ASSERT_TRUE(got[0].has_error());
  EXPECT_EQ(got[0].error().code(), v1::ERROR_CODE_NOT_READY);
  EXPECT_NE(got[0].error().message().find("shutting down"), std::string::npos) << got[0].error().message();
}

TEST(DoctorServiceTest, SecondRequestWhileRunningGetsNotReadyNamingTheRunInProgress) {
  Replies replies;
  auto started = std::make_shared<std::promise<void>>();
  auto begun = started->get_future();
  DoctorService service(slow_runner(started, 300ms));
  v1::RunDoctor first;
  first.add_period_frames(256);
  first.set_seconds_per_period(2);
  service.run(first, replies.fn());
  ASSERT_EQ(begun.wait_for(5s), std::future_status::ready);
  service.run(v1::RunDoctor{}, replies.fn());
  ASSERT_TRUE(replies.wait_for(2, 5s));
  const auto got = replies.all();
  ASSERT_TRUE(got[0].has_error()) << "the refusal comes first, at once";
  EXPECT_EQ(got[0].error().code(), v1::ERROR_CODE_NOT_READY);
  EXPECT_NE(got[0].error().message().find("already running"), std::string::npos) << got[0].error().message();
  EXPECT_NE(got[0].error().message().find("1 period size (256 frames) × 2 s on the default output"),
            std::string::npos)
      << got[0].error().message();
  ASSERT_TRUE(got[1].has_ok());
  EXPECT_EQ(got[1].ok().doctor().text(), "measured");
}

TEST(DoctorServiceTest, OutOfRangeRequestIsRefusedAtOnceWithoutStartingARun) {
  Replies replies;
  bool ran = false;
  DoctorService service([&ran](const DoctorPlan&, const std::atomic<bool>&) {
    ran = true;
    return v1::Reply{};
  });
  v1::RunDoctor r;
  for (int i = 0; i < 9; ++i) r.add_period_frames(256);
  service.run(r, replies.fn());
  const auto got = replies.all();
  ASSERT_EQ(got.size(), 1u) << "answered on the caller's thread";
  ASSERT_TRUE(got[0].has_error());
  EXPECT_EQ(got[0].error().code(), v1::ERROR_CODE_VALUE_OUT_OF_RANGE);
  EXPECT_NE(got[0].error().message().find("9 period sizes"), std::string::npos) << got[0].error().message();
  EXPECT_FALSE(ran);
}

TEST(DoctorServiceTest, NextRunStartsOnceTheFirstReplied) {
  Replies replies;
  auto runs = std::make_shared<std::atomic<int>>(0);
  DoctorService service([runs](const DoctorPlan&, const std::atomic<bool>&) {
    ++*runs;
    v1::Reply r;
    r.mutable_ok()->mutable_doctor()->set_text("measured");
    return r;
  });
  service.run(v1::RunDoctor{}, replies.fn());
  ASSERT_TRUE(replies.wait_for(1, 5s));
  service.run(v1::RunDoctor{}, replies.fn());
  ASSERT_TRUE(replies.wait_for(2, 5s));
  for (const auto& r : replies.all()) EXPECT_TRUE(r.has_ok());
  EXPECT_EQ(runs->load(), 2);
}

}  // namespace
}  // namespace crowdmesh::node
