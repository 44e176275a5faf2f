#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "caf/expected.hpp"
#include "netaudio/fec_encoder.hpp"
#include "netaudio/opus_payload.hpp"
#include "netaudio/rtp_packet.hpp"
#include "netaudio/rtp_packetizer.hpp"
#include "netaudio/udp_address.hpp"
#include "netaudio/udp_socket.hpp"
#include "rt/spsc_queue.hpp"
#include "rt/spsc_ring.hpp"
#include "rt/wake_signal.hpp"

namespace crowdmesh::netaudio {

/// Settings of one outgoing remote-playout stream.
struct StreamSenderConfig {
  /// Payload type, L16/L24/Opus, channels (1..32; Opus 1..2), rate (Opus:
  /// 48000 only), Opus bitrate and frame size. With fec = false the
  /// sender's format() has repair_payload_type −1; with fec = true it must be
  /// 0..127 and differ from payload_type.
  RtpStreamFormat format;
  /// Frames of every source packet (2 ms at 48 kHz); 1..what fits a
  /// kMaxRtpPacketBytes datagram (with the FEC's reserve when fec is on).
  /// Ignored for Opus: a packet holds one Opus frame, format.opus_frame_frames.
  std::uint32_t frames_per_packet = 96;
  bool fec = true;           ///< Reed–Solomon repair packets (FecEncoder, K and M of FecConfig's defaults)
  UdpSocketConfig socket;    ///< where it sends from (port 0 = ephemeral)
  std::size_t queue_frames = 24000;  ///< room between the render thread and the sender thread, frames (≥ 1)
  std::size_t max_destinations = 32;  ///< add_destination() refuses more (≥ 1)
  std::uint32_t ssrc = 0;             ///< 0 = random (RFC 3550 §8.1)
  /// 0 = milliseconds of the wall clock modulo 2^32 (never 0), so a
  /// restarted sender has a newer epoch in the receivers' serial-number
  /// comparison (for restarts less than 24 days apart).
  std::uint32_t epoch = 0;
};

/// Counters of a StreamSender since start(). Datagrams are counted once
/// however many destinations they went to; bytes and errors per destination.
struct StreamSenderStats {
  std::uint64_t blocks_pushed = 0;        ///< push() calls that queued their frames
  std::uint64_t blocks_dropped = 0;       ///< push() calls refused: the queue was full (or the block larger than it)
  std::uint64_t frames_sent = 0;          ///< frames cut into source packets (= source_packets × frames_per_packet)
  std::uint64_t source_packets = 0;       ///< audio packets made
  std::uint64_t repair_packets = 0;       ///< FEC repair packets made
  std::uint64_t bytes_sent = 0;           ///< UDP payload bytes handed to the kernel, summed over destinations
  std::uint64_t send_errors = 0;          ///< datagrams the kernel refused for one destination (sendto failed)
  std::uint64_t pts_discontinuities = 0;  ///< blocks whose PTS did not continue the previous block's (± ½ frame)
  std::uint64_t encode_errors = 0;        ///< Opus: packets the encoder failed to make (not sent)
  std::size_t destinations = 0;           ///< destinations now
};

/// The sending end of one remote-playout stream. The render thread hands it
/// blocks of interleaved float frames with their PTS (push()); a thread of
/// its own ("cm.rtp-send", normal priority) cuts them into RTP packets of
/// exactly frames_per_packet frames (RtpPacketizer; the PTS of a packet's
/// first frame is its block's pts_ns + offset × 10⁹ / rate, rounded),
/// adds M repair packets after every K source packets (FecEncoder) and sends
/// every datagram to every destination from one UDP socket. Frames that do
/// not fill a packet wait for the next block. The RTP timestamp advances by
/// the frames sent whatever the PTS does; a PTS jump is only counted
/// (receivers place frames by the PTS extension). With no destination the
/// queue is still consumed and packets made, but nothing is sent.
///
/// Opus (format.encoding = opus): each packet is one Opus frame of
/// format.opus_frame_frames frames (RFC 7587 §4.2), encoded on the sending
/// thread by an OpusPayloadEncoder made in start(). The decoder's output lags
/// the encoder's input by the encoder's lookahead L (codec_delay_frames():
/// 312 frames = 6.5 ms), so decoded frame i of a packet reproduces input frame
/// i − L: the packet's PTS is that of its first input frame minus L frames,
/// and every decoded frame plays at the PTS of the frame it reproduces (the
/// stream's PTS lead must cover the packet and L; the first packet's first
/// L decoded frames are the encoder's warm-up, before the stream's first PTS).
/// The FEC protects whole packets, whatever their size.
///
/// Thread contract: push() from one thread (the render thread): wait-free,
/// no allocation, no lock, no system call but rt::WakeSignal::post().
/// Everything else from any thread; start() and stop() are not real-time.
class StreamSender {
 public:
  /// Checks `config`, opens the socket and starts the thread. Errors:
  /// errc::value_out_of_range naming the value and its range (format,
  /// frames_per_packet, queue_frames, max_destinations, FEC payload type);
  /// check_opus_format()'s errors for an Opus format (a rate other than 48000 Hz:
  /// errc::unsupported_format naming it);
  /// UdpSocket::open()'s errors; errc::internal when the thread cannot start.
  static caf::expected<std::unique_ptr<StreamSender>> start(const StreamSenderConfig& config);

  /// stop().
  ~StreamSender();
  StreamSender(const StreamSender&) = delete;
  StreamSender& operator=(const StreamSender&) = delete;

  /// Render thread: queues `frames` interleaved frames of `interleaved`
  /// (frames × channels floats, full scale 1.0) whose first frame plays at
  /// mesh time `pts_ns`. Wait-free: copies into a preallocated rt::SpscRing,
  /// adds an rt::SpscQueue record and posts the thread's rt::WakeSignal.
  /// Returns false (nothing queued, counted in blocks_dropped) when the
  /// queue is full, the block is larger than queue_capacity_frames(), or the
  /// sender is stopped. frames = 0 queues nothing and returns true.
  bool push(const float* interleaved, std::uint32_t frames, std::int64_t pts_ns) noexcept;

  /// Adds a destination: a unicast subscriber or a multicast group (sent with
  /// the socket's multicast TTL and interface). Adding one already there does
  /// nothing. Errors: errc::value_out_of_range naming the address when its
  /// port is 0 or max_destinations are already there. Any thread.
  caf::expected<void> add_destination(const UdpAddress& to);
  /// Removes a destination; false when it was not there. Any thread.
  bool remove_destination(const UdpAddress& to);
  /// The destinations now, in the order they were added. Any thread.
  std::vector<UdpAddress> destinations() const;

  /// The counters now. Any thread.
  StreamSenderStats stats() const;

  /// Local port the datagrams leave from.
  std::uint16_t local_port() const noexcept { return socket_.local_port(); }
  /// SSRC of the source packets (the repair packets have their own, ssrc() + 1).
  std::uint32_t ssrc() const noexcept { return ssrc_; }
  /// The epoch every packet carries.
  std::uint32_t epoch() const noexcept { return epoch_; }
  /// The stream's format as receivers must expect it (repair_payload_type −1 without FEC).
  const RtpStreamFormat& format() const noexcept { return format_; }
  /// Frames of every source packet.
  std::uint32_t frames_per_packet() const noexcept { return frames_per_packet_; }
  /// Opus: the encoder's lookahead in frames, by which packet PTSs are moved
  /// earlier (see the class comment); 0 for PCM.
  std::uint32_t codec_delay_frames() const noexcept { return codec_delay_frames_; }
  /// K and M of the FEC (meaningful when format().repair_payload_type ≥ 0).
  FecConfig fec_config() const noexcept { return fec_config_; }
  /// Frames the queue holds when full (queue_frames rounded up to a power of two).
  std::size_t queue_capacity_frames() const noexcept { return ring_.capacity(); }

  /// Stops the thread after it sent what was queued (a last partial packet is
  /// dropped) and joins it. Idempotent; push() returns false afterwards.
  void stop();

 private:
  struct Block {  // one push(): its frames are next in ring_
    std::int64_t pts_ns;
    std::uint32_t frames;
  };

  StreamSender(const StreamSenderConfig& config, UdpSocket socket, std::uint32_t ssrc, std::uint32_t epoch,
               std::optional<OpusPayloadEncoder> opus);
  void run() noexcept;
  void drain() noexcept;
  void take_block(const Block& b) noexcept;
  void emit_packet() noexcept;
  void send_datagram(const std::uint8_t* data, std::size_t size) noexcept;

  RtpStreamFormat format_;
  std::uint32_t frames_per_packet_;
  std::size_t max_destinations_;
  std::uint32_t ssrc_;
  std::uint32_t epoch_;
  std::uint32_t codec_delay_frames_ = 0;
  std::int64_t codec_delay_ns_ = 0;  // codec_delay_frames_ in ns, rounded
  FecConfig fec_config_;
  UdpSocket socket_;

  // Render thread → sender thread.
  rt::SpscRing ring_;
  rt::SpscQueue<Block> blocks_;
  rt::WakeSignal wake_;
  std::atomic<bool> stopping_{false};

  // Sender thread only.
  RtpPacketizer packetizer_;
  std::optional<FecEncoder> fec_;
  std::optional<OpusPayloadEncoder> opus_;
  std::vector<std::uint8_t> opus_packet_;  // kMaxOpusFrameBytes: the encoded frame
  std::size_t opus_max_bytes_ = 0;        // what fits a datagram (with the FEC's reserve)
  std::vector<float> pending_;         // frames_per_packet × channels: the packet being filled
  std::uint32_t pending_frames_ = 0;
  std::int64_t pending_pts_ns_ = 0;    // PTS of pending_'s first frame
  bool have_next_pts_ = false;
  double next_pts_ns_ = 0.0;           // where the previous block's PTS says the next block starts
  std::vector<std::uint8_t> datagram_;  // kMaxRtpPacketBytes

  mutable std::mutex destinations_mutex_;
  std::vector<UdpAddress> destinations_;

  std::atomic<std::uint64_t> blocks_pushed_{0}, blocks_dropped_{0}, frames_sent_{0}, source_packets_{0},
      repair_packets_{0}, bytes_sent_{0}, send_errors_{0}, pts_discontinuities_{0}, encode_errors_{0};

  std::thread thread_;
  std::mutex stop_mutex_;  // serialises stop() callers
};

}  // namespace crowdmesh::netaudio
