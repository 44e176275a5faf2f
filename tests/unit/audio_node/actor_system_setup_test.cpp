#include "actor_system_setup.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <sys/resource.h>
#include <thread>

#include "caf/all.hpp"

namespace crowdmesh::node {
namespace {

using namespace std::chrono_literals;

TEST(ActorSystemSetupTest, SchedulerThreadsAreOnePerCoreBetweenTwoAndFour) {
  EXPECT_EQ(scheduler_threads(0), 2u);  // hardware_concurrency() may say 0 (unknown)
  EXPECT_EQ(scheduler_threads(1), 2u);
  EXPECT_EQ(scheduler_threads(3), 3u);
  EXPECT_EQ(scheduler_threads(4), 4u);
  EXPECT_EQ(scheduler_threads(64), 4u);
}

double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

TEST(ActorSystemSetupTest, IdleActorSystemSleepsInsteadOfPolling) {
  // CAF 0.17's default work-stealing workers poll every 50 us when idle (~30 %
  // of a core measured on a node); the node's setup must let them sleep.
  caf::actor_system_config cfg;
  configure_actor_system(cfg);
  caf::actor_system sys{cfg};
  // One spawn argument: CAF 0.17 dereferences a null argument tuple when a
  // function-based actor takes none (UBSan flags it in init_fun_factory.hpp).
  auto echo = sys.spawn([](int offset) -> caf::behavior { return {[offset](int x) { return x + offset; }}; }, 0);
  {
    caf::scoped_actor self{sys};
    self->request(echo, 1s, 1).receive([](int) {}, [](caf::error&) {});
  }
  std::this_thread::sleep_for(100ms);  // let the workers go idle
  const double before = process_cpu_seconds();
  std::this_thread::sleep_for(1s);
  const double used = process_cpu_seconds() - before;
  // Polling costs ~0.3 s of CPU per second here; sleeping workers ~0.
  EXPECT_LT(used, 0.05) << "an idle actor system used " << used << " s of CPU in 1 s";
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace crowdmesh::node
