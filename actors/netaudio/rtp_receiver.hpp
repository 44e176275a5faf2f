#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "caf/error.hpp"
#include "netaudio/fec_decoder.hpp"
#include "netaudio/jitter_buffer.hpp"
#include "netaudio/link_stats.hpp"
#include "netaudio/opus_payload.hpp"
#include "netaudio/rtp_packet.hpp"

namespace crowdmesh::netaudio {

/// Settings of an RtpReceiver. `buffer.format` is the stream's format (set
/// repair_payload_type to −1 for a stream without FEC).
struct RtpReceiverConfig {
  JitterBufferConfig buffer;
  FecDecoderConfig fec;
};

/// The receiving end of one remote-playout stream, without sockets: parses
/// datagrams (source and repair packets), rebuilds lost source packets with
/// the FEC, stores frames in the jitter buffer and keeps the link's figures.
///
/// Opus streams: every source packet that arrives or that the FEC rebuilds
/// is decoded (OpusPayloadDecoder, made in the constructor) into float
/// frames, which the jitter buffer stores at the packet's RTP timestamp.
/// The decoder has inter-frame state (CELT overlap, energy prediction), so
/// packets are decoded in sequence order: one that arrives ahead of a gap
/// waits in a small reorder stage (kOpusReorderSlots packets, preallocated)
/// until the gap is filled (a late or FEC-rebuilt packet) or given up, when
/// packets K + 8 sequence numbers past it have arrived (the FEC block that
/// could rebuild it is over). Decoding a packet after its successor instead
/// makes the audio around it wrong (measured: correlation 0.72 with 20 %
/// loss + FEC, against > 0.99 in order). Duplicates and packets older than
/// what was decoded are not decoded. Frames still missing when read are
/// concealed by the jitter buffer's LossConcealer, as for PCM (Opus's PLC
/// would have to run on the reading side, in order of play).
///
/// Thread contract: one thread (the thread that plays the stream; datagrams
/// reach it through a lock-free queue). on_datagram(), read(), read_at() and stats()
/// never allocate, lock or make a syscall.
class RtpReceiver {
 public:
  /// Allocates the jitter buffer, the FEC decoder (when the format has a
  /// repair payload type) and, for Opus, the Opus decoder and its output.
  /// An Opus format that check() refuses makes a receiver that counts every
  /// source packet as malformed: call check() first.
  explicit RtpReceiver(const RtpReceiverConfig& config);

  /// Why `config` cannot make a working receiver: for Opus, a rate other
  /// than 48000 Hz (errc::unsupported_format naming it) or channels outside
  /// 1..2; no error otherwise.
  static caf::error check(const RtpReceiverConfig& config);

  /// One datagram `data[0..size)` that arrived at `arrival_ns` (the
  /// receiver's steady clock, for the jitter figure). Returns the parse error
  /// (the datagram is then counted as foreign and dropped) or RtpError::none.
  RtpError on_datagram(const std::uint8_t* data, std::size_t size, std::int64_t arrival_ns) noexcept;

  /// JitterBuffer::read(): the next `frames` interleaved frames, concealed where missing.
  JitterBufferRead read(float* out, std::uint32_t frames, std::uint8_t* missing_flags = nullptr) noexcept {
    return buffer_.read(out, frames, missing_flags);
  }

  /// JitterBuffer::read_at(): the `frames` interleaved frames whose first frame plays at mesh time `pts_ns`.
  JitterBufferRead read_at(float* out, std::uint32_t frames, std::int64_t pts_ns,
                           std::uint8_t* missing_flags = nullptr) noexcept {
    return buffer_.read_at(out, frames, pts_ns, missing_flags);
  }

  /// Ends a reporting interval (RFC 3550 A.3 fraction lost). See LinkStatsTracker.
  std::uint8_t end_interval() noexcept { return tracker_.end_interval(); }

  /// The link's figures now.
  LinkStats stats() const noexcept;

  /// The jitter buffer (its counters, fill level). Same thread as on_datagram().
  const JitterBuffer& buffer() const noexcept { return buffer_; }
  /// The FEC decoder, or null for a stream without FEC.
  const FecDecoder* fec() const noexcept { return fec_.get(); }

 private:
  RtpStreamFormat format_;
  JitterBuffer buffer_;
  std::unique_ptr<FecDecoder> fec_;
  LinkStatsTracker tracker_;
  std::uint32_t ssrc_ = 0;
  std::uint32_t epoch_ = 0;
  bool has_source_ = false;
  std::uint64_t malformed_ = 0;
  std::uint64_t recovered_used_ = 0;
  // Opus: the decoder and the reorder stage in front of it.
  static constexpr std::uint16_t kOpusReorderSlots = 64;
  struct HeldPacket {
    bool full = false;
    bool rebuilt = false;  // by the FEC: counted in recovered_used_ when stored
    RtpPacket packet;      // payload points into bytes
    std::uint8_t bytes[kMaxOpusFrameBytes];
  };
  std::optional<OpusPayloadDecoder> opus_;
  std::vector<float> decoded_;  // kMaxOpusPacketFrames × channels: one decoded Opus packet
  std::vector<HeldPacket> held_;  // kOpusReorderSlots, indexed by sequence number
  bool opus_started_ = false;
  std::uint16_t next_sequence_ = 0;  // the next packet to decode
  std::uint32_t opus_ssrc_ = 0, opus_epoch_ = 0;
  std::uint16_t give_up_after_ = 32;  // K + 8
  std::uint64_t decode_errors_ = 0;

  PushResult push(const RtpPacket& p, bool rebuilt) noexcept;
  PushResult push_opus(const RtpPacket& p, bool rebuilt) noexcept;
  void decode_held() noexcept;
  void decode_and_store(const RtpPacket& p, bool rebuilt) noexcept;
};

}  // namespace crowdmesh::netaudio
