#pragma once
#include <cstddef>
#include <cstdint>

#include "netaudio/rtp_packet.hpp"

namespace crowdmesh::netaudio {

/// Settings of one outgoing audio stream.
struct RtpPacketizerConfig {
  RtpStreamFormat format;             ///< payload type, L16/L24/Opus, channels, rate
  std::uint32_t ssrc = 0;             ///< the stream's SSRC (random per RFC 3550 §8.1; chosen by the caller)
  std::uint32_t epoch = 0;            ///< the sender's epoch: increase it when the sender restarts
  std::uint16_t first_sequence = 0;   ///< sequence number of the first packet (random per RFC 3550 §5.1)
  std::uint32_t first_timestamp = 0;  ///< RTP timestamp of the first frame (random per RFC 3550 §5.1)
};

/// Turns consecutive blocks of interleaved float frames into RTP audio packets
/// (RFC 3550 §5.1, payload RFC 3551 §4.5.11 L16 or RFC 3190 L24, Crowdmesh
/// epoch/PTS header extension); write_payload() sends an already encoded
/// payload (one Opus frame, RFC 7587 §4.2) with the same header. Sequence numbers count up by one per packet,
/// timestamps by the packet's frames; the first packet has the marker bit.
/// Thread contract: one thread; write() never allocates, locks or makes a syscall.
class RtpPacketizer {
 public:
  /// Keeps `config`. Not real-time (but allocates nothing either).
  explicit RtpPacketizer(const RtpPacketizerConfig& config) noexcept;

  /// Largest frames count that fits one packet of kMaxRtpPacketBytes with
  /// `reserve` bytes kept free (e.g. for the FEC repair header: see
  /// FecEncoder::max_source_packet_bytes()). 0 for Opus (variable-size frames).
  std::uint32_t max_frames_per_packet(std::size_t reserve = 0) const noexcept;

  /// Writes one packet holding `frames` interleaved frames of `samples`
  /// (frames × channels floats, full scale 1.0, clipped) whose first frame is
  /// played at mesh time `pts_ns`, into `out`. Returns the packet size in
  /// bytes, or 0 (nothing written, counters unchanged) when `frames` is 0 or
  /// the packet would exceed `capacity` or kMaxRtpPacketBytes.
  std::size_t write(const float* samples, std::uint32_t frames, std::uint64_t pts_ns, std::uint8_t* out,
                    std::size_t capacity) noexcept;

  /// Writes one packet whose payload is `payload[0..payload_bytes)` (already
  /// encoded, e.g. an Opus frame) standing for `frames` frames, first played
  /// at `pts_ns`. Returns the packet size, or 0 (nothing written, counters
  /// unchanged) when frames or payload_bytes is 0 or it would not fit.
  std::size_t write_payload(const std::uint8_t* payload, std::size_t payload_bytes, std::uint32_t frames,
                            std::uint64_t pts_ns, std::uint8_t* out, std::size_t capacity) noexcept;

  /// The header the next packet will carry (sequence, timestamp; its pts_ns is 0).
  RtpHeader next_header() const noexcept;
  /// Packets written so far.
  std::uint64_t packets() const noexcept { return packets_; }
  /// Samples clipped to full scale so far.
  std::uint64_t clipped_samples() const noexcept { return clipped_; }

 private:
  RtpPacketizerConfig config_;
  std::uint16_t sequence_;
  std::uint32_t timestamp_;
  std::uint64_t packets_ = 0;
  std::uint64_t clipped_ = 0;
};

}  // namespace crowdmesh::netaudio
