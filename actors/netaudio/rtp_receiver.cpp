#include "netaudio/rtp_receiver.hpp"

#include <algorithm>

namespace crowdmesh::netaudio {

RtpReceiver::RtpReceiver(const RtpReceiverConfig& config)
    : format_(config.buffer.format), buffer_(config.buffer), tracker_(config.buffer.format.sample_rate_hz) {
  if (format_.repair_payload_type >= 0) fec_ = std::make_unique<FecDecoder>(config.fec);
  if (format_.encoding == PcmEncoding::opus) {
    auto dec = OpusPayloadDecoder::create(format_);
    if (dec) {
      opus_.emplace(std::move(*dec));
      decoded_.resize(static_cast<std::size_t>(kMaxOpusPacketFrames) * format_.channels);
      held_.resize(kOpusReorderSlots);
      const int k = format_.repair_payload_type >= 0 ? config.fec.block.source_packets : 0;
      give_up_after_ = static_cast<std::uint16_t>(std::min(k + 8, kOpusReorderSlots - 1));
    }
  }
}

caf::error RtpReceiver::check(const RtpReceiverConfig& config) {
  if (config.buffer.format.encoding != PcmEncoding::opus) return {};
  auto dec = OpusPayloadDecoder::create(config.buffer.format);
  return dec ? caf::error{} : std::move(dec.error());
}

PushResult RtpReceiver::push(const RtpPacket& p, bool rebuilt) noexcept {
  if (format_.encoding == PcmEncoding::opus) return push_opus(p, rebuilt);
  const PushResult r = buffer_.push(p);
  if (rebuilt && r == PushResult::accepted) ++recovered_used_;
  return r;
}

PushResult RtpReceiver::push_opus(const RtpPacket& p, bool rebuilt) noexcept {
  if (!opus_ || p.payload_bytes > kMaxOpusFrameBytes) {
    ++decode_errors_;
    return PushResult::not_audio;
  }
  const RtpHeader& h = p.header;
  const bool newer_epoch = opus_started_ && h.epoch != opus_epoch_ && static_cast<std::int32_t>(h.epoch - opus_epoch_) > 0;
  if (opus_started_ && !newer_epoch && (h.epoch != opus_epoch_ || h.ssrc != opus_ssrc_))
    return buffer_.push(p, decoded_.data());  // another source or an older epoch: refused (and counted) unread
  // The buffer refuses a duplicate or late packet before reading a frame: decoded_ is not read.
  if (buffer_.holds(p)) return buffer_.push(p, decoded_.data());
  auto ahead = static_cast<std::int16_t>(h.sequence - next_sequence_);
  if (!opus_started_ || newer_epoch || ahead >= static_cast<std::int16_t>(kOpusReorderSlots)) {
    // A new stream, a restarted sender, or a stream that jumped ahead of the
    // reorder stage: decode what is held (in order, same stream only), then
    // follow the stream from this packet.
    if (opus_started_ && !newer_epoch)
      for (std::uint16_t d = 0; d < kOpusReorderSlots; ++d) {
        HeldPacket& slot = held_[static_cast<std::uint16_t>(next_sequence_ + d) % kOpusReorderSlots];
        if (slot.full) decode_and_store(slot.packet, slot.rebuilt);
      }
    for (HeldPacket& slot : held_) slot.full = false;
    if (!opus_started_ || newer_epoch) opus_->reset();
    opus_started_ = true;
    opus_ssrc_ = h.ssrc;
    opus_epoch_ = h.epoch;
    next_sequence_ = h.sequence;
    ahead = 0;
  }
  if (ahead < 0) return PushResult::late;  // its turn passed (given up): decoding it now would disturb the decoder
  HeldPacket& slot = held_[h.sequence % kOpusReorderSlots];
  if (slot.full) return PushResult::duplicate;
  slot.full = true;
  slot.rebuilt = rebuilt;
  slot.packet = p;
  std::copy(p.payload, p.payload + p.payload_bytes, slot.bytes);
  slot.packet.payload = slot.bytes;
  decode_held();
  return PushResult::accepted;  // stored now or when its turn comes
}

void RtpReceiver::decode_held() noexcept {
  for (;;) {
    HeldPacket& slot = held_[next_sequence_ % kOpusReorderSlots];
    if (slot.full) {
      decode_and_store(slot.packet, slot.rebuilt);
      slot.full = false;
      ++next_sequence_;
      continue;
    }
    // A gap: give it up when packets give_up_after_ past it are here.
    bool far = false;
    for (std::uint16_t d = give_up_after_; d < kOpusReorderSlots && !far; ++d)
      far = held_[static_cast<std::uint16_t>(next_sequence_ + d) % kOpusReorderSlots].full;
    if (!far) return;
    ++next_sequence_;
  }
}

void RtpReceiver::decode_and_store(const RtpPacket& p, bool rebuilt) noexcept {
  const int n = opus_->decode(p.payload, p.payload_bytes, decoded_.data(), kMaxOpusPacketFrames);
  if (n <= 0 || static_cast<std::uint32_t>(n) != p.frames) {
    ++decode_errors_;
    return;
  }
  if (buffer_.push(p, decoded_.data()) == PushResult::accepted && rebuilt) ++recovered_used_;
}

RtpError RtpReceiver::on_datagram(const std::uint8_t* data, std::size_t size, std::int64_t arrival_ns) noexcept {
  const RtpParseResult r = parse_rtp(data, size, format_);
  if (!r.ok()) {
    ++malformed_;
    return r.error;
  }
  const RtpPacket& p = r.packet;
  if (p.kind == PacketKind::source) {
    const PushResult pushed = push(p, false);
    if (pushed == PushResult::not_audio) return RtpError::none;  // Opus: undecodable (counted)
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
    if (q.ok()) push(q.packet, true);
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
  s.foreign_packets = b.wrong_ssrc_packets + b.stale_epoch_packets + b.too_far_packets + malformed_ + decode_errors_;
  s.recovered_packets = recovered_used_;
  s.unrecoverable_blocks = fec_ ? fec_->stats().unrecoverable_blocks : 0;
  s.played_frames = b.read_frames;
  s.concealed_frames = b.concealed_frames;
  return s;
}

}  // namespace crowdmesh::netaudio
