// The tempo actor's publishing: smooth while a ramp runs, and a settled tempo
// lets it sleep without delaying the next ramp.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "caf/all.hpp"
#include "tempo/tempo_actor.hpp"

namespace crowdmesh::tempo {
namespace {

using namespace std::chrono_literals;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Published {
  std::mutex mutex;
  std::vector<std::pair<std::int64_t, double>> items;  // (local time, BPM)

  std::vector<std::pair<std::int64_t, double>> copy() {
    std::lock_guard<std::mutex> lock(mutex);
    return items;
  }
};

TEST(TempoActorTest, RampThatStartsWhileSettledPublishesEveryTickNotOnceASecond) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto published = std::make_shared<Published>();
  TempoActorConfig tcfg;
  tcfg.mesh_time_ns = steady_ns;
  tcfg.publish = [published](double bpm, std::int64_t) {
    std::lock_guard<std::mutex> lock(published->mutex);
    published->items.emplace_back(steady_ns(), bpm);
  };
  auto tempo = spawn_tempo_actor(sys, tcfg);
  std::this_thread::sleep_for(300ms);  // settled: the actor waits for the 1 s republish
  caf::scoped_actor self{sys};
  const std::int64_t t0 = steady_ns();
  self->request(tempo, 5s, tempo_atom_v, 140.0, 0.6)
      .receive([](const TempoReport&) {}, [](const caf::error& e) { FAIL() << caf::to_string(e); });
  std::this_thread::sleep_for(500ms);
  self->send_exit(tempo, caf::exit_reason::user_shutdown);
  int during_ramp = 0;
  double last = 0;
  for (const auto& [at, bpm] : published->copy()) {
    if (at < t0) continue;
    EXPECT_GE(bpm, last) << "the ramp to 140 BPM only rises";
    last = bpm;
    ++during_ramp;
  }
  // Every 20 ms tick publishes a moving tempo: ~25 in 500 ms. Without the fast
  // tick the ramp would publish only its start and nothing until the 1 s mark.
  EXPECT_GE(during_ramp, 8);
}

}  // namespace
}  // namespace crowdmesh::tempo
