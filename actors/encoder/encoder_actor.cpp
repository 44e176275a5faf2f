#include "encoder/encoder_actor.hpp"

#include <chrono>

#include "caf/all.hpp"
#include "encoder/encoder_pipeline.hpp"
#include "mesh/monotonic_clock.hpp"

namespace crowdmesh::encoder {

namespace {

constexpr auto kTick = std::chrono::milliseconds(100);

struct EncoderState {
  std::shared_ptr<EncoderPipeline> pipeline;
  std::shared_ptr<EncoderInbox> inbox;
  bool stopped = false;

  EncoderStats stats() const {
    EncoderStats s = pipeline->stats();
    if (inbox) {
      s.dropped_chunks = inbox->dropped();
      s.backlog_frames = inbox->backlog_frames();
    }
    return s;
  }
};

using Self = EncoderActor::stateful_pointer<EncoderState>;

EncoderActor::behavior_type encoder_actor(Self self, std::shared_ptr<EncoderPipeline> pipeline,
                                          std::shared_ptr<EncoderInbox> inbox) {
  self->state.pipeline = std::move(pipeline);
  self->state.inbox = std::move(inbox);
  self->attach_functor([self] {
    if (!self->state.stopped && self->state.pipeline) self->state.pipeline->stop();
  });
  self->delayed_send(self, kTick, tick_atom_v);
  return {
      [=](StreamChunk& c) {
        auto& st = self->state;
        if (st.inbox) st.inbox->consumed(c.block.frames);
        if (!st.stopped) st.pipeline->push(c);
      },
      [=](stats_atom) { return self->state.stats(); },
      [=](stop_atom) {
        auto& st = self->state;
        st.pipeline->stop();
        st.stopped = true;
        return st.stats();
      },
      [=](tick_atom) {
        if (!self->state.stopped) self->state.pipeline->tick(mesh::monotonic_now_ns());
        self->delayed_send(self, kTick, tick_atom_v);
      },
  };
}

}  // namespace

bool EncoderInbox::offer(StreamChunk chunk) {
  if (!actor_) return false;
  const auto limit = static_cast<std::int64_t>(max_backlog_seconds_ * chunk.block.sample_rate_hz);
  if (backlog_.load(std::memory_order_relaxed) + chunk.block.frames > limit) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  backlog_.fetch_add(chunk.block.frames, std::memory_order_relaxed);
  caf::anon_send(actor_, std::move(chunk));
  return true;
}

caf::expected<EncoderActor> spawn_encoder_actor(caf::actor_system& sys, const EncoderActorConfig& cfg) {
  auto pipeline = EncoderPipeline::create(cfg.outputs, cfg.source_name);
  if (!pipeline) return pipeline.error();
  std::shared_ptr<EncoderPipeline> shared(std::move(*pipeline));
  auto actor = sys.spawn<caf::detached>(encoder_actor, shared, cfg.inbox);
  if (cfg.inbox) cfg.inbox->attach(actor);
  return actor;
}

}  // namespace crowdmesh::encoder
