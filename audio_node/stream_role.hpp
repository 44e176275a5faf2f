#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "caf/expected.hpp"
#include "command_router.hpp"
#include "common/mesh_config.hpp"
#include "node_security.hpp"
#include "crowdmesh/v1/envelope.pb.h"
#include "mixer/render_port.hpp"
#include "netaudio/network_feed.hpp"
#include "netaudio/stream_playout.hpp"
#include "netaudio/stream_sender.hpp"
#include "netaudio/udp_address.hpp"

namespace crowdmesh::mesh {
class MeshClient;
}

namespace crowdmesh::node {

/// Settings of a node's remote-playout role.
struct StreamRoleConfig {
  std::string node;                 ///< this node's name ("room-a")
  MeshConfig mesh;                  ///< where the sources' control endpoints (and, in curve mode, keys) are
  NodeSecurity security;            ///< this node's key pair for the subscription requests (curve), or plain
  StreamSettings settings;          ///< latency, UDP port, this node's address, FEC, the stream to play
  int sample_rate_hz = 48000;       ///< the device's (= mesh timeline's) rate; a played stream must match it
  int channels = 2;                 ///< the device's channels; a played stream must match them
  int period_frames = 256;          ///< the device period (the playout renders at most 4 of them per call)
  std::shared_ptr<mixer::RenderPort> mixer_port;   ///< the mixer attaches its render function here
  std::shared_ptr<mixer::RenderPort> device_port;  ///< the device's playout thread renders through this
  /// Called for stream events (kind "stream.down", "stream.up", "stream.source"), with a sentence. Any thread.
  std::function<void(const std::string& kind, const std::string& text)> on_event;
};

/// Remote playout on one node (docs/PROTOCOL.md, "Remote playout over RTP"):
///
/// - As a source: the first SubscribeStream starts a netaudio::StreamSender
///   (L24, 2 ms packets, Reed–Solomon FEC unless `stream_fec = false`) and
///   switches the StreamPlayout to source mode: this room's own output is
///   delayed by the latency L and every block goes out with PTS + L. Each
///   subscriber holds a lease; one that stops renewing is dropped.
/// - As a room that plays a stream (PlayStream, `play_stream` in the config):
///   a netaudio::DatagramInlet on the stream port, a NetworkFeed (FEC, jitter
///   buffer, link figures) read by the playout at each block's PTS; the
///   subscription is renewed every 500 ms on a thread of the role (so a
///   restarted source is re-joined within a second), and the loss of the
///   stream is reported as an event.
///
/// Thread contract: handle() and fill_links() from any thread. The
/// subscription requests to a source (ZeroMQ) run on the role's own thread,
/// "cm.streams"; nothing here runs on the render thread but the StreamPlayout.
class StreamRole {
 public:
  /// Builds the StreamPlayout, attaches it to the device port and starts the
  /// role's thread; with settings.play set, asks for that stream at once (a
  /// failure is logged and retried every second). Errors: none at start but
  /// allocation; the ports are opened when first needed.
  static std::unique_ptr<StreamRole> start(StreamRoleConfig cfg);
  ~StreamRole();
  StreamRole(const StreamRole&) = delete;
  StreamRole& operator=(const StreamRole&) = delete;

  /// Answers one stream command (SubscribeStream, UnsubscribeStream,
  /// PlayStream, StopStream, GetStreamSdp) exactly once through `reply`.
  void handle(const crowdmesh::v1::Command& command, ReplyFn reply);

  /// Appends one StreamLink per received stream (telemetry).
  void fill_links(crowdmesh::v1::LinkStats& out);

  /// Stops playing and sending, ends the thread. Idempotent.
  void stop();

 private:
  struct Subscriber {
    netaudio::UdpAddress address;
    std::int64_t expires_ns = 0;
    bool via_group = false;  // served through the multicast group, not a unicast copy
  };
  struct Playing {
    std::string source_node;
    std::string endpoint;  // the source's control endpoint
    bool mix_local = false;
    crowdmesh::v1::StreamInfo info;
    std::shared_ptr<netaudio::NetworkFeed> feed;
    std::int64_t next_renewal_ns = 0;
    bool receiving = false;
    // Loss over the last 10 s: (time, expected, received) once a second.
    struct Sample {
      std::int64_t at_ns;
      std::uint64_t expected, received;
    };
    std::deque<Sample> window;
  };

  explicit StreamRole(StreamRoleConfig cfg);
  void run();
  void post(std::function<void()> task);
  crowdmesh::v1::Reply subscribe(const crowdmesh::v1::SubscribeStream& s);
  crowdmesh::v1::Reply unsubscribe(const crowdmesh::v1::UnsubscribeStream& s);
  crowdmesh::v1::Reply sdp(const crowdmesh::v1::GetStreamSdp& g);
  crowdmesh::v1::Reply play(const std::string& source, bool mix_local);  // role thread
  crowdmesh::v1::Reply stop_playing();                                     // role thread
  caf::expected<crowdmesh::v1::StreamInfo> request_subscription(const std::string& endpoint, const std::string& source_node);
  void renew();          // role thread
  void expire_leases();  // role thread
  crowdmesh::v1::StreamInfo source_info() const;  // under mutex_
  void update_group_destination();                 // under mutex_: the group is sent to while a subscriber uses it
  caf::expected<std::unique_ptr<netaudio::DatagramInlet>> open_inlet(const std::string& multicast_group);
  netaudio::RtpStreamFormat format() const;
  std::uint32_t latency_frames() const;
  void event(const std::string& kind, const std::string& text);

  StreamRoleConfig cfg_;
  std::shared_ptr<netaudio::StreamPlayout> playout_;
  mutable std::mutex mutex_;  // sender_, subscribers_, playing_ figures
  std::shared_ptr<netaudio::StreamSender> sender_;
  std::vector<Subscriber> subscribers_;
  std::optional<netaudio::UdpAddress> group_;  // stream_multicast, parsed
  bool sending_to_group_ = false;
  std::unique_ptr<Playing> playing_;
  std::unique_ptr<mesh::MeshClient> client_;  // role thread only
  std::uint64_t correlation_ = 0;
  std::deque<std::function<void()>> tasks_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace crowdmesh::node
