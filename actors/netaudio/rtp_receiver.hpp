#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "netaudio/fec_decoder.hpp"
#include "netaudio/jitter_buffer.hpp"
#include "netaudio/link_stats.hpp"
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
/// Thread contract: one thread (the thread that plays the stream; datagrams
/// reach it through a lock-free queue). on_datagram(), read(), read_at() and stats()
/// never allocate, lock or make a syscall.
class RtpReceiver {
 public:
  /// Allocates the jitter buffer and the FEC decoder (when the format has a repair payload type).
  explicit RtpReceiver(const RtpReceiverConfig& config);

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
};

}  // namespace crowdmesh::netaudio
