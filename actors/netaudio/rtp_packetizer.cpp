#include "netaudio/rtp_packetizer.hpp"

namespace crowdmesh::netaudio {

RtpPacketizer::RtpPacketizer(const RtpPacketizerConfig& config) noexcept
    : config_(config), sequence_(config.first_sequence), timestamp_(config.first_timestamp) {}

std::uint32_t RtpPacketizer::max_frames_per_packet(std::size_t reserve) const noexcept {
  const std::size_t room = kMaxRtpPacketBytes - kRtpHeaderBytes;
  if (reserve >= room || config_.format.frame_bytes() == 0) return 0;
  return static_cast<std::uint32_t>((room - reserve) / config_.format.frame_bytes());
}

RtpHeader RtpPacketizer::next_header() const noexcept {
  RtpHeader h;
  h.marker = packets_ == 0;
  h.payload_type = config_.format.payload_type;
  h.sequence = sequence_;
  h.timestamp = timestamp_;
  h.ssrc = config_.ssrc;
  h.epoch = config_.epoch;
  return h;
}

std::size_t RtpPacketizer::write(const float* samples, std::uint32_t frames, std::uint64_t pts_ns, std::uint8_t* out,
                                 std::size_t capacity) noexcept {
  const std::size_t payload = static_cast<std::size_t>(frames) * config_.format.frame_bytes();
  const std::size_t total = kRtpHeaderBytes + payload;
  if (frames == 0 || payload == 0 || total > capacity || total > kMaxRtpPacketBytes) return 0;
  RtpHeader h = next_header();
  h.pts_ns = pts_ns;
  write_rtp_header(h, out, capacity);
  clipped_ += encode_pcm(config_.format.encoding, samples, static_cast<std::size_t>(frames) * config_.format.channels,
                         out + kRtpHeaderBytes);
  ++sequence_;
  timestamp_ += frames;
  ++packets_;
  return total;
}

std::size_t RtpPacketizer::write_payload(const std::uint8_t* payload, std::size_t payload_bytes, std::uint32_t frames,
                                         std::uint64_t pts_ns, std::uint8_t* out, std::size_t capacity) noexcept {
  if (frames == 0 || payload_bytes == 0) return 0;
  RtpHeader h = next_header();
  h.pts_ns = pts_ns;
  const std::size_t total = write_rtp(h, payload, payload_bytes, out, capacity);
  if (total == 0) return 0;
  ++sequence_;
  timestamp_ += frames;
  ++packets_;
  return total;
}

}  // namespace crowdmesh::netaudio
