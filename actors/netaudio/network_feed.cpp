#include "netaudio/network_feed.hpp"

namespace crowdmesh::netaudio {

NetworkFeed::NetworkFeed(std::unique_ptr<DatagramInlet> inlet, const RtpReceiverConfig& config)
    : inlet_(std::move(inlet)), receiver_(config) {
  published_.store(figures_);
}

NetworkFeed::~NetworkFeed() {
  if (inlet_) inlet_->stop();
}

JitterBufferRead NetworkFeed::read_at(float* out, std::uint32_t frames, std::int64_t pts_ns) noexcept {
  inlet_->drain([this](const std::uint8_t* data, std::size_t size, std::int64_t arrival_ns) {
    receiver_.on_datagram(data, size, arrival_ns);
    figures_.last_arrival_ns = arrival_ns;
  });
  const JitterBufferRead r = receiver_.read_at(out, frames, pts_ns);
  figures_.link = receiver_.stats();
  figures_.buffered_frames = receiver_.buffer().buffered_frames();
  figures_.epoch = receiver_.buffer().epoch();
  figures_.epoch_resets = receiver_.buffer().stats().epoch_resets;
  ++figures_.reads;
  published_.store(figures_);
  return r;
}

}  // namespace crowdmesh::netaudio
