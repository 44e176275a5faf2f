#pragma once
#include "mesh/socket_security.hpp"
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "caf/expected.hpp"
#include "common/stream_chunk.hpp"

namespace crowdmesh::mesh {

/// Counters since start.
struct AudioSubscriberStats {
  std::uint64_t received = 0;       ///< chunks of the wanted stream delivered to the handler
  std::uint64_t other_streams = 0;  ///< valid chunks of other streams (ignored)
  std::uint64_t malformed = 0;      ///< frames that are not a valid audio chunk envelope (dropped, logged)
};

/// Called on the subscriber's thread with each chunk of the wanted stream, in
/// arrival order. Must not block for long (post the work elsewhere).
using ChunkHandler = std::function<void(StreamChunk)>;

/// True when `stream_id` is the stream `wanted` names: equal, or ending in
/// "/" + wanted (so "master" matches "room-a/master"); an empty `wanted`
/// matches every stream. Thread-safe (pure).
bool stream_matches(const std::string& stream_id, const std::string& wanted);

/// Receives a node's audio stream from its audio PUB (7702): a SUB socket on
/// its own thread, connected to `endpoint` (ZeroMQ reconnects by itself when
/// the sender restarts). Checks every frame (size, envelope, chunk fields)
/// and drops bad ones, counted and logged at most once per 10 s.
/// Thread contract: stats() from any thread; the handler runs on its thread.
class AudioSubscriber {
 public:
  /// Connects to `endpoint` (e.g. "tcp://10.0.0.11:7702") and starts.
  /// `wanted`: see stream_matches(). `max_message_bytes`: larger frames are
  /// refused by ZeroMQ (ZMQ_MAXMSGSIZE).
  /// `security` curve: a CURVE client with `security.own` of the sender
  /// whose public key is `server_key`; plain by default.
  /// Errors: errc::value_out_of_range when the endpoint is not a ZeroMQ
  /// endpoint ("cannot connect to 'x': Invalid argument") or a key is invalid.
  static caf::expected<std::unique_ptr<AudioSubscriber>> start(const std::string& endpoint, const std::string& wanted,
                                                               ChunkHandler handler,
                                                               std::size_t max_message_bytes = 1 << 20,
                                                               const MeshSecurity& security = {},
                                                               const std::string& server_key = "");
  /// stop().
  ~AudioSubscriber();
  AudioSubscriber(const AudioSubscriber&) = delete;
  AudioSubscriber& operator=(const AudioSubscriber&) = delete;
  /// Stops the thread (within ~100 ms) and closes the socket. Idempotent.
  void stop();
  AudioSubscriberStats stats() const;
  const std::string& endpoint() const;

 private:
  struct Impl;
  explicit AudioSubscriber(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crowdmesh::mesh
