#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/expected.hpp"
#include "caf/typed_actor.hpp"
#include "common/atoms.hpp"
#include "common/stream_chunk.hpp"
#include "encoder/encoder_stats.hpp"
#include "encoder/preset.hpp"

namespace crowdmesh::encoder {

/// The encoder actor's interface (docs/ARCHITECTURE.md, encoder row):
/// - StreamChunk: the next block of the stream (send it through an
///   EncoderInbox, which drops instead of queueing without bound).
/// - (stats_atom) → EncoderStats.
/// - (stop_atom) → EncoderStats after every output finished its stream
///   (headers finalised); later chunks are ignored.
/// - (tick_atom): its own 100 ms housekeeping timer (flushes, retries).
using EncoderActor = caf::typed_actor<caf::reacts_to<StreamChunk>, caf::replies_to<stats_atom>::with<EncoderStats>,
                                      caf::replies_to<stop_atom>::with<EncoderStats>, caf::reacts_to<tick_atom>>;

/// The door to an encoder actor for whoever produces the stream (the mixer's
/// tap, an AudioSubscriber's thread). Back-pressure never reaches the
/// producer: when more than max_backlog_frames wait in the actor's mailbox
/// the chunk is dropped and counted (the encoder then sees a sequence gap and
/// conceals it). Thread contract: offer() from any thread, lock-free.
class EncoderInbox {
 public:
  /// `max_backlog_seconds` of audio may wait (default 2 s).
  explicit EncoderInbox(double max_backlog_seconds = 2.0) : max_backlog_seconds_(max_backlog_seconds) {}
  /// Sends the chunk to the actor unless the backlog is full. Returns false
  /// when dropped (or no actor attached yet).
  bool offer(StreamChunk chunk);
  /// Chunks dropped by offer().
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  /// Frames offered but not yet encoded.
  std::uint64_t backlog_frames() const {
    const auto b = backlog_.load(std::memory_order_relaxed);
    return b > 0 ? static_cast<std::uint64_t>(b) : 0;
  }
  /// Called by the actor when it took `frames` from its mailbox.
  void consumed(std::uint32_t frames) { backlog_.fetch_sub(frames, std::memory_order_relaxed); }
  /// The actor that receives the chunks (set once by spawn_encoder_actor).
  void attach(EncoderActor actor) { actor_ = std::move(actor); }

 private:
  double max_backlog_seconds_;
  EncoderActor actor_;
  std::atomic<std::int64_t> backlog_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

/// What an encoder actor needs.
struct EncoderActorConfig {
  /// Outputs (preset → sink), at least one.
  std::vector<EncodeSpec> outputs;
  /// Shown in stats: "local mixer" or the endpoint subscribed to.
  std::string source_name;
  /// Shared with the producer; the actor attaches itself to it.
  std::shared_ptr<EncoderInbox> inbox;
};

/// Spawns a detached encoder actor (its own thread: file and codec work never
/// delays other actors). Errors: those of EncoderPipeline::create() (bad
/// preset URL, FLAC to Icecast), before anything is spawned.
caf::expected<EncoderActor> spawn_encoder_actor(caf::actor_system& sys, const EncoderActorConfig& cfg);

}  // namespace crowdmesh::encoder
