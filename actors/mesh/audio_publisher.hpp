#pragma once
#include "mesh/socket_security.hpp"
#include <cstdint>
#include <memory>
#include <string>

#include "caf/expected.hpp"
#include "common/stream_chunk.hpp"

namespace crowdmesh::mesh {

/// Counters since start.
struct AudioPublisherStats {
  std::uint64_t published = 0;  ///< chunks handed to the PUB socket
  std::uint64_t dropped = 0;    ///< chunks dropped because the queue was full (sender never waits)
  std::uint64_t queued = 0;     ///< chunks waiting now
};

/// The audio PUB of a node (docs/ARCHITECTURE.md, port 7702; an XPUB socket so
/// that it knows whether anyone listens): sends stream chunks
/// as [topic = stream id][Envelope{audio_chunk}] frames to any number of
/// subscribers (remote encoders, later remote devices).
///
/// It owns its ZeroMQ socket on its own thread, apart from the mesh gateway,
/// so a stream of blocks every few ms never queues in front of a control
/// reply. Back-pressure never reaches the sender: publish() only queues
/// (bounded) and ZeroMQ's PUB drops for a subscriber that is too slow
/// (SNDHWM); both show up as sequence gaps at the subscriber.
/// Thread contract: publish()/stats() from any thread.
class AudioPublisher {
 public:
  /// Binds a PUB on `bind` (e.g. "tcp://127.0.0.1:7702"; "tcp://127.0.0.1:*"
  /// picks a port) and starts the sending thread. `source` is the envelope's
  /// source address ("room-a/mixer"). `max_queued`: chunks waiting before
  /// new ones are dropped; also the socket's SNDHWM.
  /// `security`: curve makes the socket a CURVE server that lets in only
  /// `security.authorized` keys (its own ZAP handler, domain
  /// "crowdmesh.audio"); plain by default.
  /// Errors: errc::io_error "cannot bind tcp://...: Address already in use".
  static caf::expected<std::unique_ptr<AudioPublisher>> start(const std::string& bind, const std::string& source,
                                                              std::size_t max_queued = 512,
                                                              const MeshSecurity& security = {});
  /// stop().
  ~AudioPublisher();
  AudioPublisher(const AudioPublisher&) = delete;
  AudioPublisher& operator=(const AudioPublisher&) = delete;
  /// Sends what is queued, stops the thread, closes the socket. Idempotent.
  void stop();
  /// Queues one chunk; false (and counted) when the queue is full or stopped.
  /// Never blocks on the network. The samples are shared, not copied.
  bool publish(StreamChunk chunk);
  /// True while at least one subscriber is subscribed to some topic (the
  /// sending thread wakes on each (un)subscription as it arrives). A sender
  /// may skip building chunks while it is false: nobody would receive them.
  bool has_subscribers() const noexcept;
  /// The bound endpoint (real port for ":*").
  std::string endpoint() const;
  AudioPublisherStats stats() const;

 private:
  struct Impl;
  explicit AudioPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crowdmesh::mesh
