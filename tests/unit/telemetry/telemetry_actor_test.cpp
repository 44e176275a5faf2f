// The telemetry actor hands the samples of one tick to `publish` together
// (one wake-up of the mesh gateway a tick), and a reply that comes after the
// next tick began on its own, never lost.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "caf/all.hpp"
#include "rt/steady_clock.hpp"
#include "telemetry/telemetry_actor.hpp"

namespace crowdmesh::telemetry {
namespace {

using namespace std::chrono_literals;

// The actor names of each publish() call, in order.
struct Calls {
  std::mutex mutex;
  std::vector<std::vector<std::string>> batches;

  std::vector<std::vector<std::string>> copy() {
    std::lock_guard<std::mutex> lock(mutex);
    return batches;
  }
};

TelemetryActorConfig config(std::shared_ptr<Calls> calls, std::chrono::milliseconds interval) {
  TelemetryActorConfig cfg;
  cfg.node = "room-a";
  cfg.interval = interval;
  cfg.idle_interval = interval;
  cfg.mesh_time_ns = rt::steady_now_ns;
  cfg.links = [] { return crowdmesh::v1::LinkStats{}; };
  cfg.clock = [] { return crowdmesh::v1::ClockStats{}; };
  cfg.publish = [calls](TelemetryBatch& samples) {
    std::vector<std::string> names;
    for (const auto& s : samples) {
      EXPECT_EQ(s.topic, "tele.room-a." + s.sample.actor());
      names.push_back(s.sample.actor());
    }
    std::lock_guard<std::mutex> lock(calls->mutex);
    calls->batches.push_back(std::move(names));
  };
  return cfg;
}

bool has(const std::vector<std::string>& batch, const std::string& actor) {
  return std::find(batch.begin(), batch.end(), actor) != batch.end();
}

// Runs the telemetry actor against `tempo` for `run`, ticking every
// `interval`, and sorts its publish() calls. Every call must be either a
// tick's batch (its own samples, never split: they are taken in one handler)
// or a lone tempo reply that came after the next tick began.
struct Tally {
  std::size_t ticks = 0, with_tempo = 0, alone = 0, calls = 0;
};
Tally run_against(caf::actor_system& sys, tempo::TempoActor tempo, std::chrono::milliseconds interval,
                  std::chrono::milliseconds run) {
  auto calls = std::make_shared<Calls>();
  auto cfg = config(calls, interval);
  cfg.tempo = tempo;
  auto actor = spawn_telemetry_actor(sys, cfg);
  std::this_thread::sleep_for(run);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(tempo, caf::exit_reason::user_shutdown);
  Tally t;
  for (const auto& b : calls->copy()) {
    ++t.calls;
    if (has(b, "process")) {
      ++t.ticks;
      EXPECT_TRUE(has(b, "links") && has(b, "clock")) << "a tick's own samples in one call";
      if (has(b, "tempo")) ++t.with_tempo;
    } else {
      EXPECT_EQ(b, std::vector<std::string>{"tempo"}) << "the only other call: a late reply";
      ++t.alone;
    }
  }
  return t;
}

TEST(TelemetryActorTest, SamplesOfOneTickArePublishedTogetherWithTheRepliesToItsRequests) {
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  tempo::TempoActorConfig tcfg;
  tcfg.mesh_time_ns = rt::steady_now_ns;
  const auto t = run_against(sys, tempo::spawn_tempo_actor(sys, tcfg), 200ms, 1100ms);
  EXPECT_GE(t.ticks, 3u) << "ticks every 200 ms for 1.1 s";
  // The tempo actor answers within microseconds, so a tick's batch waits for
  // its reply (only a host that stalls the actor for 200 ms splits one).
  EXPECT_GE(t.with_tempo * 2, t.ticks) << t.with_tempo << " of " << t.ticks << " ticks had the tempo in their batch";
  EXPECT_LE(t.calls, t.ticks * 2) << "one call a tick, plus at most one late reply each";
}

// A tempo actor that answers status requests after `delay`.
struct SlowTempoState {
  std::deque<caf::typed_response_promise<tempo::TempoReport>> waiting;
};
tempo::TempoActor::behavior_type slow_tempo(tempo::TempoActor::stateful_pointer<SlowTempoState> self,
                                           std::chrono::milliseconds delay) {
  return {
      [](movement_atom, double) { return tempo::TempoReport{}; },
      [](tempo_atom, double, double) { return tempo::TempoReport{}; },
      [=](status_atom) -> caf::typed_response_promise<tempo::TempoReport> {
        auto rp = self->make_response_promise<tempo::TempoReport>();
        self->state.waiting.push_back(rp);
        self->delayed_send(self, delay, tick_atom_v);
        return rp;
      },
      [=](tick_atom) {
        if (self->state.waiting.empty()) return;
        self->state.waiting.front().deliver(tempo::TempoReport{});
        self->state.waiting.pop_front();
      },
  };
}

TEST(TelemetryActorTest, AReplyAfterTheNextTickBeganIsPublishedAloneAndTheTickIsNotHeldBack) {
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  const auto t = run_against(sys, sys.spawn(slow_tempo, 250ms), 100ms, 900ms);
  EXPECT_EQ(t.with_tempo, 0u) << "every reply comes 250 ms later, after the next tick began";
  // A tick waits for its reply at most until the next tick: the samples keep
  // coming every 100 ms while the tempo actor is slow.
  EXPECT_GE(t.ticks, 5u) << "ticks every 100 ms for 0.9 s";
  EXPECT_GE(t.alone, 1u) << "the late replies are published, not dropped";
}

}  // namespace
}  // namespace crowdmesh::telemetry
