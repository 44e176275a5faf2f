#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/audio_block.hpp"
#include "encoder/encoder_actor.hpp"
#include "mesh/audio_publisher.hpp"
#include "telemetry/master_meter.hpp"

namespace crowdmesh::node {

/// The node's master stream: hands each block the mixer renders to the local
/// encoder (as it comes) and to the telemetry master meter, and publishes it
/// on the audio PUB (remote encoders) in chunks of at least
/// `publish_frames` frames — one message per ~21 ms instead of one per
/// device period, which cuts the per-message cost of the mesh path (ZeroMQ,
/// protobuf, wake-ups) by the same factor. Each path numbers its own chunks
/// (sequence +1 from 0, stream id "<node>/master"). Any path may be absent.
/// Neither can slow the mixer: both only queue or drop (counted).
/// Thread contract: on_block() from one thread at a time (the mixer's tap
/// relay thread, or the mixer actor when it renders offline); flush() after
/// the last on_block() returned.
class MasterStream {
 public:
  /// Default size of a published chunk, frames (1024 = 21.3 ms at 48 kHz).
  static constexpr std::uint32_t kPublishFrames = 1024;

  MasterStream(std::string stream_id, mesh::AudioPublisher* publisher, std::shared_ptr<encoder::EncoderInbox> inbox,
               std::shared_ptr<telemetry::MasterMeter> meter, std::uint32_t publish_frames = kPublishFrames)
      : stream_id_(std::move(stream_id)),
        publisher_(publisher),
        inbox_(std::move(inbox)),
        meter_(std::move(meter)),
        publish_frames_(publish_frames == 0 ? 1 : publish_frames) {}
  /// The mixer tap (MixerActorConfig::tap).
  void on_block(const AudioBlock& block, const std::string& title);
  /// Publishes the chunk being gathered (at the end of a run). Call only when
  /// the mixer renders no more (the device has stopped).
  void flush();
  /// Whether anyone wants this stream's blocks within 50 ms now: a subscriber
  /// on the audio PUB, a local encoder, or a meter read at full rate
  /// (MasterMeter::read_often). The mixer's tap relay drains less often while
  /// nobody does (MixerActorConfig::tap_prompt). Thread-safe.
  bool wants_prompt_blocks() const noexcept {
    return (publisher_ != nullptr && publisher_->has_subscribers()) || inbox_ != nullptr ||
           (meter_ != nullptr && meter_->read_often());
  }
  const std::string& stream_id() const { return stream_id_; }

 private:
  void publish(const AudioBlock& block, const std::string& title);

  std::string stream_id_;
  mesh::AudioPublisher* publisher_;
  std::shared_ptr<encoder::EncoderInbox> inbox_;
  std::shared_ptr<telemetry::MasterMeter> meter_;
  std::uint32_t publish_frames_;
  std::uint64_t local_sequence_ = 0;
  std::uint64_t published_sequence_ = 0;
  // The chunk being gathered for the PUB.
  std::shared_ptr<std::vector<float>> pending_;
  AudioBlock pending_block_;
  std::string pending_title_;
};

}  // namespace crowdmesh::node
