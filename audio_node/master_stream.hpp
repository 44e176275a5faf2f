#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "common/audio_block.hpp"
#include "encoder/encoder_actor.hpp"
#include "mesh/audio_publisher.hpp"
#include "telemetry/master_meter.hpp"

namespace crowdmesh::node {

/// The node's master stream: numbers the mixer's blocks (sequence +1 per
/// block from 0, stream id "<node>/master") and hands each to the audio PUB
/// (remote encoders), to the local encoder and to the telemetry master meter,
/// any of which may be absent.
/// Neither can slow the mixer: both only queue or drop (counted).
/// Thread contract: on_block() from the mixer actor only.
class MasterStream {
 public:
  MasterStream(std::string stream_id, mesh::AudioPublisher* publisher, std::shared_ptr<encoder::EncoderInbox> inbox,
               std::shared_ptr<telemetry::MasterMeter> meter)
      : stream_id_(std::move(stream_id)), publisher_(publisher), inbox_(std::move(inbox)), meter_(std::move(meter)) {}
  /// The mixer tap (MixerActorConfig::tap).
  void on_block(const AudioBlock& block, const std::string& title);
  const std::string& stream_id() const { return stream_id_; }

 private:
  std::string stream_id_;
  mesh::AudioPublisher* publisher_;
  std::shared_ptr<encoder::EncoderInbox> inbox_;
  std::shared_ptr<telemetry::MasterMeter> meter_;
  std::uint64_t sequence_ = 0;
};

}  // namespace crowdmesh::node
