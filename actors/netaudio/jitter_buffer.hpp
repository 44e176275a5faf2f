#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "netaudio/loss_concealer.hpp"
#include "netaudio/rtp_packet.hpp"

namespace crowdmesh::netaudio {

/// Settings of a JitterBuffer.
struct JitterBufferConfig {
  RtpStreamFormat format;                    ///< encoding, channels and rate of the stream's packets
  std::uint32_t capacity_frames = 16384;     ///< frames held ahead of the read position (rounded up to a power of two)
  std::uint32_t conceal_period_frames = 96;  ///< LossConcealer period: normally the frames of one packet
  bool pin_ssrc = false;                     ///< accept only `ssrc` (otherwise the first packet's SSRC is adopted)
  std::uint32_t ssrc = 0;
  std::uint32_t resync_after = 8;  ///< consecutive packets beyond the capacity that move the read position to them
};

/// What push() did with a packet.
enum class PushResult : std::uint8_t {
  accepted,     ///< stored (possibly after a reset for a newer epoch or a resync)
  duplicate,    ///< its frames were already there: dropped
  late,         ///< all its frames are before the read position (by less than the capacity): dropped
  wrong_ssrc,   ///< another SSRC than the stream's, same or older epoch: dropped
  stale_epoch,  ///< an epoch older than the stream's: dropped
  too_far,      ///< more than the capacity ahead of (or behind) the read position: dropped; `resync_after`
                ///< such packets in a row move the read position to the stream (a jump of its timeline)
  not_audio,    ///< a repair packet or a packet without frames: ignored
};

/// Counters of a JitterBuffer since construction.
struct JitterBufferStats {
  std::uint64_t accepted_packets = 0;     ///< PushResult::accepted
  std::uint64_t duplicate_packets = 0;    ///< PushResult::duplicate
  std::uint64_t late_packets = 0;         ///< PushResult::late
  std::uint64_t wrong_ssrc_packets = 0;   ///< PushResult::wrong_ssrc
  std::uint64_t stale_epoch_packets = 0;  ///< PushResult::stale_epoch
  std::uint64_t too_far_packets = 0;      ///< PushResult::too_far (also those that triggered a resync)
  std::uint64_t epoch_resets = 0;         ///< newer epochs (a restarted sender): the buffer started again
  std::uint64_t resyncs = 0;              ///< jumps of the read position to a stream that moved out of reach
  std::uint64_t read_frames = 0;          ///< frames read since the first packet
  std::uint64_t concealed_frames = 0;     ///< of those, frames that were missing and concealed
  /// Of read_frames, frames read_at() asked for before the stream's earliest
  /// frame (the stream had not begun there): silence, not concealment.
  std::uint64_t silent_frames = 0;
  /// read_at() calls whose PTS was more than one frame away from the read
  /// position (the sender's PTS jumped, or the reader's clock stepped): the
  /// read position moved to the PTS.
  std::uint64_t realigns = 0;
  /// Frames jumped over by forward realigns: never played (those stored are dropped).
  std::uint64_t realign_frames_skipped = 0;
  /// Frames the read position moved back by in backward realigns. They were
  /// played already, so they are not read again: read_at() plays concealment
  /// in their place (rewound frames, not counted in concealed_frames).
  std::uint64_t realign_frames_rewound = 0;
};

/// What read() returned.
struct JitterBufferRead {
  bool started = false;        ///< false before the first packet: the output is silence, nothing is counted
  std::uint32_t missing = 0;   ///< frames of this read that were missing (concealed)
  std::uint32_t silent = 0;    ///< read_at(): frames before the stream's earliest frame (silence, not concealed)
  std::uint32_t rewound = 0;   ///< read_at(): frames played already before a backward realign (concealed, not re-read)
  bool realigned = false;      ///< read_at(): the read position moved to the PTS asked for
  std::uint64_t position = 0;  ///< frame position of the first frame read (extended RTP timestamp)
  std::int64_t pts_ns = -1;    ///< mesh time of that frame from the newest packet's PTS; −1 before the first packet
};

/// Receiver-side buffer of one RTP audio stream, indexed by frame position:
/// the RTP timestamp extended to 64 bits (as RFC 3550 Appendix A.1 extends
/// sequence numbers: each timestamp is taken as the nearest value, modulo
/// 2^32, to the highest one seen; the first packet's lands at 2^32 + ts).
/// push() stores a packet's frames where they belong, whatever the arrival
/// order; read() takes the next frames in order, and conceals the missing
/// ones (LossConcealer). The read position starts at the earliest frame
/// that arrived before the first read() (after a newer epoch: before the
/// next read()) and advances by exactly the frames read, so whoever calls
/// read() (the playout clock) sets the pace and the latency. read_at()
/// instead reads by PTS: the sender's timeline sets the latency, and the
/// capacity must hold it (the PTS lead of the stream) plus the network jitter.
///
/// Source identity: the first packet fixes SSRC and epoch (the sender's
/// epoch extension). A packet of a newer epoch (serial order, RFC 1982) is a
/// restarted sender: the buffer is emptied and starts again at that packet.
///
/// Thread contract: push() and read() from one thread (the thread that
/// plays the stream; the network thread hands it datagrams through a
/// lock-free queue such as rt::SpscQueue). Neither allocates, locks, nor
/// makes a syscall: every buffer comes from the constructor.
class JitterBuffer {
 public:
  /// Allocates capacity × channels floats and the concealer. Not real-time.
  explicit JitterBuffer(const JitterBufferConfig& config);

  /// Stores the frames of source packet `p` (parsed with the stream's format).
  /// PCM payloads are decoded here; an Opus packet is not audio to this
  /// overload (not_audio): its receiver decodes it and calls the other one.
  PushResult push(const RtpPacket& p) noexcept;

  /// Stores `p`'s p.frames frames from `decoded` (p.frames × channels
  /// interleaved floats: the receiver decoded the payload, e.g. Opus),
  /// placed, accepted or refused exactly as push(p) does.
  PushResult push(const RtpPacket& p, const float* decoded) noexcept;

  /// True when push(p) would certainly store nothing of source packet `p`
  /// because its frames are here already or were read (duplicate or late,
  /// same source and epoch): a receiver can skip decoding it. False when
  /// unsure. Pure.
  bool holds(const RtpPacket& p) const noexcept;

  /// Writes the next `frames` interleaved frames (frames × channels floats)
  /// to `out`; missing frames are concealed. When `missing_flags` is given,
  /// missing_flags[i] = 1 for each frame i that was missing, else 0.
  JitterBufferRead read(float* out, std::uint32_t frames, std::uint8_t* missing_flags = nullptr) noexcept;

  /// Writes the `frames` interleaved frames (frames × channels floats) whose
  /// first frame plays at mesh time `pts_ns` (the stream's PTS, ns) to `out`.
  ///
  /// The stream position of `pts_ns` comes from the newest packet's (frame,
  /// PTS) pair: pos = frame + round((pts_ns − its PTS) × rate / 1e9), in 128
  /// bits (any int64 PTS). The first read_at() after the first packet (or
  /// after a newer epoch restarted the stream) starts reading at pos. Later,
  /// when pos is more than one frame away from the read position (the
  /// sender's PTS jumped, the reader's clock stepped), the read position
  /// moves to pos (a realign, counted): forward, the frames in between are
  /// dropped unplayed; backward, the frames between pos and the furthest
  /// frame already read are not read again: concealment plays in their place
  /// (`rewound`), and packets for them stay late. A difference of one frame is
  /// rounding and is ignored (the read goes on in order).
  ///
  /// Frames before the earliest frame received are silence (`silent`, not
  /// concealed); frames missing after it are concealed and counted as by
  /// read(). Before the first packet: silence, started = false, nothing
  /// counted. `missing_flags` (optional, `frames` bytes): 0 for a frame that
  /// arrived, 1 for any other (concealed, rewound or silent).
  JitterBufferRead read_at(float* out, std::uint32_t frames, std::int64_t pts_ns,
                           std::uint8_t* missing_flags = nullptr) noexcept;

  /// Frames stored at or after the read position (0 before the first packet).
  std::uint32_t buffered_frames() const noexcept;
  /// Frames from the read position to the end of the newest packet (the fill level including gaps).
  std::uint64_t span_frames() const noexcept;

  /// Counters since construction. Same thread as push()/read().
  const JitterBufferStats& stats() const noexcept { return stats_; }
  /// SSRC of the stream followed now (0 before the first packet).
  std::uint32_t ssrc() const noexcept { return ssrc_; }
  /// Epoch of the stream followed now (0 before the first packet).
  std::uint32_t epoch() const noexcept { return epoch_; }

 private:
  void start(const RtpPacket& p) noexcept;
  PushResult store(const RtpPacket& p, const float* decoded) noexcept;
  void clear() noexcept;
  std::uint64_t floor() const noexcept { return std::max(read_pos_, played_end_); }
  std::uint64_t position_of(std::int64_t pts_ns) const noexcept;
  std::int64_t pts_at(std::uint64_t position) const noexcept;
  void drop_until(std::uint64_t position) noexcept;
  void read_frames(float* out, std::uint32_t frames, std::uint8_t* missing_flags, JitterBufferRead& r) noexcept;
  std::uint64_t extend(std::uint32_t timestamp) const noexcept;

  JitterBufferConfig config_;
  std::uint32_t channels_;
  std::uint32_t capacity_;
  std::uint64_t mask_;
  std::vector<float> frames_;
  std::vector<std::uint8_t> present_;
  LossConcealer concealer_;
  bool started_ = false;
  bool reading_ = false;  // read() was called since start(): the read position no longer moves back
  std::uint32_t ssrc_ = 0;
  std::uint32_t epoch_ = 0;
  std::uint64_t read_pos_ = 0;
  std::uint64_t highest_ = 0;  // extended timestamp of the newest packet
  std::uint64_t end_ = 0;      // end of the newest packet
  std::uint32_t stored_ = 0;   // present frames at or after read_pos_
  std::uint64_t pts_frame_ = 0;
  std::uint64_t pts_ns_ = 0;
  std::uint32_t too_far_run_ = 0;
  std::uint64_t played_end_ = 0;  // end of the furthest frame read (or skipped): frames before it are late
  std::uint64_t earliest_ = UINT64_MAX;  // earliest frame received since start() (or a resync)
  JitterBufferStats stats_;
};

}  // namespace crowdmesh::netaudio
