#include "netaudio/network_feed.hpp"

#include <algorithm>
#include <cmath>

namespace crowdmesh::netaudio {

NetworkFeed::NetworkFeed(std::unique_ptr<DatagramInlet> inlet, const RtpReceiverConfig& config)
    : inlet_(std::move(inlet)),
      receiver_(config),
      channels_(std::max(1u, config.buffer.format.channels)),
      rate_hz_(std::max(1u, config.buffer.format.sample_rate_hz)) {
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
  measure(out, frames);
  figures_.link = receiver_.stats();
  figures_.buffered_frames = receiver_.buffer().buffered_frames();
  figures_.epoch = receiver_.buffer().epoch();
  figures_.epoch_resets = receiver_.buffer().stats().epoch_resets;
  ++figures_.reads;
  published_.store(figures_);
  return r;
}

}  // namespace crowdmesh::netaudio

namespace crowdmesh::netaudio {

void NetworkFeed::measure(const float* out, std::uint32_t frames) noexcept {
  if (frames == 0) return;
  const std::size_t n = static_cast<std::size_t>(frames) * channels_;
  double sum = 0.0;
  float peak = 0.0f;
  for (std::size_t i = 0; i < n; ++i) {
    sum += static_cast<double>(out[i]) * out[i];
    peak = std::max(peak, std::fabs(out[i]));
  }
  const double seconds = frames / rate_hz_;
  const double a = 1.0 - std::exp(-seconds / 0.3);
  figures_.mean_square += a * (sum / static_cast<double>(n) - figures_.mean_square);
  figures_.peak = std::max(static_cast<double>(peak), figures_.peak * std::exp(-seconds / 1.0));
}

}  // namespace crowdmesh::netaudio
