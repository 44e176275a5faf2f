#pragma once
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "netaudio/fec_encoder.hpp"
#include "netaudio/opus_payload.hpp"
#include "netaudio/rtp_packetizer.hpp"

namespace crowdmesh::netaudio::test {

using Datagram = std::vector<std::uint8_t>;

/// A sender: packetizer + FEC encoder, producing datagrams in send order
/// (K sources, then the block's M repairs). Audio is a deterministic
/// two-tone signal so that every packet differs. An Opus format is encoded
/// as StreamSender does (one Opus frame per packet, PTS moved earlier by the
/// encoder's lookahead).
class TestSender {
 public:
  TestSender(RtpStreamFormat format, FecConfig fec, std::uint32_t epoch = 1, std::uint16_t first_sequence = 65530,
             std::uint32_t first_timestamp = 0xFFFFF000u)
      : format_(format),
        packetizer_(make_config(format, epoch, first_sequence, first_timestamp)),
        encoder_(make_fec(format, fec)) {
    if (format.encoding == PcmEncoding::opus) {
      auto e = OpusPayloadEncoder::create(format);
      if (e) opus_.emplace(std::move(*e));
    }
  }

  /// Keeps every sample sent (interleaved, as given to the packetizer) in `out`.
  void record_into(std::vector<float>* out) { record_ = out; }

  /// Next packet of `frames` frames, plus repairs when it completed a block.
  std::vector<Datagram> send(std::uint32_t frames) {
    std::vector<Datagram> out;
    std::vector<float> audio(static_cast<std::size_t>(frames) * format_.channels);
    for (std::uint32_t f = 0; f < frames; ++f)
      for (std::uint32_t c = 0; c < format_.channels; ++c)
        audio[f * format_.channels + c] =
            0.4f * static_cast<float>(std::sin(0.031 * static_cast<double>(frame_ + f) * (c + 1))) +
            0.2f * static_cast<float>(std::sin(0.0047 * static_cast<double>(frame_ + f)));
    if (record_) record_->insert(record_->end(), audio.begin(), audio.end());
    Datagram d(kMaxRtpPacketBytes);
    const RtpHeader h = packetizer_.next_header();
    std::uint64_t pts = pts_of(frame_);
    if (opus_) {
      pts -= (std::uint64_t{opus_->lookahead_frames()} * 1'000'000'000ull + format_.sample_rate_hz / 2) /
             format_.sample_rate_hz;
      std::uint8_t frame[kMaxOpusFrameBytes];
      const std::size_t n = opus_->encode(audio.data(), frame, sizeof frame);
      d.resize(packetizer_.write_payload(frame, n, frames, pts, d.data(), d.size()));
    } else {
      d.resize(packetizer_.write(audio.data(), frames, pts, d.data(), d.size()));
    }
    RtpHeader written = h;
    written.pts_ns = pts;
    encoder_.add_source(d.data(), d.size(), written);
    out.push_back(d);
    frame_ += frames;
    if (format_.repair_payload_type >= 0 && encoder_.repairs_ready()) {
      for (int j = 0; j < encoder_.m(); ++j) {
        Datagram r(kMaxRtpPacketBytes);
        r.resize(encoder_.write_repair(j, r.data(), r.size()));
        out.push_back(r);
      }
    }
    return out;
  }
  FecEncoder& encoder() { return encoder_; }
  /// The Opus encoder's lookahead, frames (0 for PCM).
  std::uint32_t codec_delay_frames() const { return opus_ ? opus_->lookahead_frames() : 0; }
  /// PTS the sender gives its frame `frame` (counted from its first frame): 5 s + frame / rate.
  std::uint64_t pts_of(std::uint64_t frame) const {
    return 5'000'000'000ull + frame * 1'000'000'000ull / format_.sample_rate_hz;
  }

 private:
  static RtpPacketizerConfig make_config(RtpStreamFormat f, std::uint32_t epoch, std::uint16_t seq, std::uint32_t ts) {
    RtpPacketizerConfig c;
    c.format = f;
    c.ssrc = 0x5EED5EED;
    c.epoch = epoch;
    c.first_sequence = seq;
    c.first_timestamp = ts;
    return c;
  }
  static FecEncoderConfig make_fec(RtpStreamFormat f, FecConfig fec) {
    FecEncoderConfig c;
    c.block = fec;
    c.repair_payload_type = static_cast<std::uint8_t>(f.repair_payload_type);
    c.repair_ssrc = 0x5EED5EEE;
    c.first_repair_sequence = 100;
    return c;
  }
  RtpStreamFormat format_;
  RtpPacketizer packetizer_;
  FecEncoder encoder_;
  std::optional<OpusPayloadEncoder> opus_;
  std::uint64_t frame_ = 0;
  std::vector<float>* record_ = nullptr;
};

}  // namespace crowdmesh::netaudio::test
