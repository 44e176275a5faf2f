#pragma once
#include <cstdint>

namespace crowdmesh::netaudio {

/// Figures of one incoming RTP stream (one link), as a plain struct.
struct LinkStats {
  std::uint32_t ssrc = 0;
  // RFC 3550 Appendix A.3 (from sequence numbers; the RFC's A.1 validation
  // discards the first packet of a new source: counts start at the second).
  std::uint64_t extended_highest_sequence = 0;  ///< cycles + highest sequence number received
  std::uint64_t expected_packets = 0;           ///< extended highest − base sequence + 1
  std::uint64_t received_packets = 0;           ///< packets counted by A.1 (duplicates and late ones included)
  std::int64_t cumulative_lost = 0;             ///< expected − received (negative with duplicates)
  std::uint8_t fraction_lost = 0;               ///< packets lost in the last interval, × 256 (RFC 3550 §6.4.1)
  // RFC 3550 Appendix A.8.
  double jitter_timestamp_units = 0.0;  ///< interarrival jitter J, in RTP timestamp units (frames)
  double jitter_us = 0.0;               ///< the same in µs: J / rate × 10⁶
  // What the receiver did with the packets.
  std::uint64_t duplicate_packets = 0;     ///< dropped: already in the jitter buffer (sent twice, or rebuilt first)
  std::uint64_t late_packets = 0;          ///< dropped: arrived after their frames were played
  std::uint64_t foreign_packets = 0;       ///< dropped: wrong SSRC, older epoch, out of reach, or not parseable
  std::uint64_t recovered_packets = 0;     ///< source packets rebuilt by the FEC and used
  std::uint64_t unrecoverable_blocks = 0;  ///< FEC blocks with more losses than repair packets
  std::uint64_t played_frames = 0;         ///< frames read from the jitter buffer
  std::uint64_t concealed_frames = 0;      ///< of those, frames that were missing and concealed
};

/// Reception statistics of one RTP source, after RFC 3550 Appendix A:
/// A.1 sequence-number validation and extension (MIN_SEQUENTIAL = 2,
/// MAX_DROPOUT = 3000, MAX_MISORDER = 100), A.3 expected / lost / fraction
/// lost per reporting interval, A.8 interarrival jitter
/// J += (|D(i−1,i)| − J) / 16 with D from the transit times (arrival in
/// timestamp units − RTP timestamp). The first packet only sets the transit.
///
/// Thread contract: one thread; on_packet() and end_interval() never
/// allocate, lock or make a syscall.
class LinkStatsTracker {
 public:
  /// `clock_rate_hz`: the RTP clock (the audio frame rate), > 0.
  explicit LinkStatsTracker(std::uint32_t clock_rate_hz) noexcept;

  /// One packet as it arrived: its sequence number, RTP timestamp and its
  /// arrival on the receiver's clock (ns; any steady clock). Returns true when
  /// A.1 counts it (false while a new source is on probation, and for a jump
  /// that is not yet confirmed).
  bool on_packet(std::uint16_t sequence, std::uint32_t timestamp, std::int64_t arrival_ns) noexcept;

  /// Ends a reporting interval (A.3): returns and keeps the fraction lost
  /// since the previous call, × 256 (0 when nothing was lost or expected).
  std::uint8_t end_interval() noexcept;

  /// Writes the A.3 / A.8 fields of `out` (leaves the others alone).
  void fill(LinkStats& out) const noexcept;

  /// Forgets the source (a new SSRC or epoch).
  void reset() noexcept;

 private:
  void init_sequence(std::uint16_t sequence) noexcept;
  bool update_sequence(std::uint16_t sequence) noexcept;

  std::uint32_t rate_;
  bool seen_ = false;
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = 0;
  std::uint32_t probation_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t expected_prior_ = 0;
  std::uint64_t received_prior_ = 0;
  std::uint8_t fraction_ = 0;
  bool has_transit_ = false;
  std::int32_t transit_ = 0;
  double jitter_ = 0.0;
};

}  // namespace crowdmesh::netaudio
