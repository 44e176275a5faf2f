#pragma once
#include <cstdint>
#include <memory>

#include "netaudio/datagram_inlet.hpp"
#include "netaudio/remote_feed.hpp"
#include "netaudio/rtp_receiver.hpp"
#include "rt/seqlock.hpp"

namespace crowdmesh::netaudio {

/// What a NetworkFeed publishes for telemetry: the link's figures, the jitter
/// buffer's fill and when the last datagram arrived.
struct NetworkFeedFigures {
  LinkStats link;                    ///< RtpReceiver::stats()
  std::uint32_t buffered_frames = 0; ///< jitter buffer fill after the last read, frames
  std::uint32_t epoch = 0;           ///< the sender's epoch followed now (0 before the first packet)
  std::uint64_t epoch_resets = 0;    ///< restarts of the sender followed
  std::uint64_t reads = 0;           ///< read_at() calls
  std::int64_t last_arrival_ns = 0;  ///< steady clock of the newest datagram; 0 = none yet
  /// Level of what the feed played, all channels: mean square smoothed over
  /// about 300 ms (one-pole), and the peak held with a 1 s decay; full scale 1.0.
  double mean_square = 0.0;
  double peak = 0.0;
};

/// A received stream as the render thread reads it: each read_at() first
/// hands every datagram the DatagramInlet queued to the RtpReceiver (FEC,
/// jitter buffer, link statistics), then reads the frames due at the PTS.
/// The figures leave through a seqlock once per read.
///
/// Thread contract: read_at() from the render thread only (never allocates,
/// locks or makes a syscall); figures() from any thread. The inlet's
/// network thread runs until the feed is destroyed (not on the render thread).
class NetworkFeed final : public RemoteFeed {
 public:
  /// Takes the inlet (already receiving) and builds the receiver. Not real-time.
  NetworkFeed(std::unique_ptr<DatagramInlet> inlet, const RtpReceiverConfig& config);
  ~NetworkFeed() override;

  JitterBufferRead read_at(float* out, std::uint32_t frames, std::int64_t pts_ns) noexcept override;

  /// The latest published figures (any thread).
  NetworkFeedFigures figures() const { return published_.load(); }
  /// The inlet's counters (any thread): datagrams received, from foreign hosts, oversize, queue full.
  DatagramInletStats inlet_stats() const { return inlet_->stats(); }
  /// Stops receiving and frees the UDP port (joins the network thread). Any
  /// thread but the render thread; read_at() still works (it plays what was
  /// queued, then conceals). Idempotent.
  void close() { inlet_->stop(); }
  /// Accept datagrams only from this host from now on (any thread).
  void set_source(const UdpAddress& host) { inlet_->set_source(host); }

 private:
  void measure(const float* out, std::uint32_t frames) noexcept;

  std::unique_ptr<DatagramInlet> inlet_;
  RtpReceiver receiver_;
  std::uint32_t channels_;
  double rate_hz_;
  NetworkFeedFigures figures_;
  rt::Seqlock<NetworkFeedFigures> published_;
};

}  // namespace crowdmesh::netaudio
