#include "netaudio/rtp_receiver.hpp"

namespace crowdmesh::netaudio {

RtpReceiver::RtpReceiver(const RtpReceiverConfig& config)
    : format_(config.buffer.format), buffer_(config.buffer), tracker_(config.buffer.format.sample_rate_hz) {
  if (format_.repair_payload_type >= 0) fec_ = std::make_unique<FecDecoder>(config.fec);
}

RtpError RtpReceiver::on_datagram(const std::uint8_t* data, std::size_t size, std::int64_t arrival_ns) noexcept {
  const RtpParseResult r = parse_rtp(data, size, format_);
  if (!r.ok()) {
    ++malformed_;
    return r.error;
  }
  const RtpPacket& p = r.packet;
  if (p.kind == PacketKind::source) {
    const PushResult pushed = buffer_.push(p);
    if (pushed == PushResult::wrong_ssrc || pushed == PushResult::stale_epoch) return RtpError::none;
    // The jitter buffer follows a new source or epoch; the statistics follow it.
    if (!has_source_ || p.header.ssrc != ssrc_ || p.header.epoch != epoch_) {
      if (has_source_) tracker_.reset();
      has_source_ = true;
      ssrc_ = p.header.ssrc;
      epoch_ = p.header.epoch;
    }
    tracker_.on_packet(p.header.sequence, p.header.timestamp, arrival_ns);
  }
  if (!fec_) return RtpError::none;
  const int rebuilt = fec_->add(p, data, size);
  for (int i = 0; i < rebuilt; ++i) {
    const RtpParseResult q = parse_rtp(fec_->recovered_data(i), fec_->recovered_size(i), format_);
    if (q.ok() && buffer_.push(q.packet) == PushResult::accepted) ++recovered_used_;
  }
  return RtpError::none;
}

LinkStats RtpReceiver::stats() const noexcept {
  LinkStats s;
  tracker_.fill(s);
  s.ssrc = ssrc_;
  const JitterBufferStats& b = buffer_.stats();
  s.duplicate_packets = b.duplicate_packets;
  s.late_packets = b.late_packets;
  s.foreign_packets = b.wrong_ssrc_packets + b.stale_epoch_packets + b.too_far_packets + malformed_;
  s.recovered_packets = recovered_used_;
  s.unrecoverable_blocks = fec_ ? fec_->stats().unrecoverable_blocks : 0;
  s.played_frames = b.read_frames;
  s.concealed_frames = b.concealed_frames;
  return s;
}

}  // namespace crowdmesh::netaudio
