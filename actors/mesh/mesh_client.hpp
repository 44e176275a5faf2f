#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "caf/expected.hpp"
#include "crowdmesh/v1/envelope.pb.h"
#include "mesh/curve_keys.hpp"

namespace crowdmesh::mesh {

/// The client end of a node's control plane: a DEALER connected to the node's
/// ROUTER (one frame = one serialized Envelope each way, docs/PROTOCOL.md), and a
/// SUB for its events endpoint. Wraps cppzmq. Used by control_node (nothing else
/// there touches ZeroMQ) and by a node that asks a peer (a stream subscription).
///
/// Thread contract: not thread-safe; one thread owns the client and calls
/// everything (ZeroMQ sockets are single-threaded). `subscribe()` reads the
/// stop flag, which any thread (or a signal handler) may set.
class MeshClient {
 public:
  /// Called for each envelope received by subscribe(); return false to stop.
  using EnvelopeHandler = std::function<bool(const std::string& topic, const v1::Envelope&)>;

  MeshClient();
  MeshClient(const MeshClient&) = delete;
  MeshClient& operator=(const MeshClient&) = delete;

  /// Makes every later connect()/subscribe() a CURVE client (docs/SECURITY.md)
  /// with this end's key pair `own`, talking to the node whose public key is
  /// `server_key`. Without it the client is plain. Errors: value_out_of_range
  /// naming the key that is not 40 Z85 characters.
  caf::expected<void> use_curve(CurveKeyPair own, std::string server_key);

  /// Connects the DEALER to a node's control endpoint ("tcp://HOST:7700").
  /// ZeroMQ connects in the background: a node that is down shows up as a
  /// request timeout, not here. Errors: value_out_of_range for a malformed endpoint.
  caf::expected<void> connect(const std::string& endpoint);

  /// The endpoint given to connect(); empty before.
  const std::string& endpoint() const { return endpoint_; }

  /// Sends `request` (send_time_ns stamped with monotonic_now_ns()) and waits up
  /// to `timeout` for the reply with the same correlation id. Replies to other
  /// ids (late answers) and unparsable frames are dropped; an error reply with
  /// correlation id 0 (the gateway could not parse our frame) counts as the
  /// reply. Errors: timeout ("no reply from ENDPOINT within N ms ..."),
  /// internal when not connected or the send fails.
  caf::expected<v1::Envelope> request(v1::Envelope request, std::chrono::milliseconds timeout);

  /// Like request(), for a command to "*/actor": collects every reply with the
  /// command's correlation id until `expected_replies` arrived (0 = unknown:
  /// wait the whole timeout) or `timeout` passed. Returns them in arrival
  /// order, possibly fewer than expected. Errors: timeout when none arrived,
  /// internal when not connected or the send fails.
  caf::expected<std::vector<v1::Envelope>> request_all(v1::Envelope request, std::size_t expected_replies,
                                                       std::chrono::milliseconds timeout);

  /// Subscribes a SUB socket to `events_endpoint` with topic `prefix` ("" =
  /// all) and calls `on_envelope(topic, envelope)` for every two-frame
  /// [topic][Envelope] message until it returns false or `stop` becomes true
  /// (checked at least every 100 ms). Malformed messages are skipped. Returns
  /// the number of envelopes handled. Errors: value_out_of_range for a
  /// malformed endpoint.
  caf::expected<std::uint64_t> subscribe(const std::string& events_endpoint, const std::string& prefix,
                                         const EnvelopeHandler& on_envelope, const std::atomic<bool>& stop);

  /// CLOCK_MONOTONIC now, in ns (the mesh clock of a one-node system).
  static std::int64_t monotonic_now_ns();

 private:
  caf::expected<void> send(v1::Envelope& request);
  /// Receives one parsable envelope before `deadline`; nullopt on timeout.
  std::optional<v1::Envelope> receive_until(std::chrono::steady_clock::time_point deadline);
  caf::error timeout_error(std::chrono::milliseconds timeout);
  /// The last handshake failure the DEALER's monitor reported, as a phrase; empty if none.
  std::string handshake_failure();

  zmq::context_t context_;
  std::optional<zmq::socket_t> dealer_;
  std::optional<zmq::socket_t> monitor_;  // PAIR: the DEALER's handshake events
  std::string endpoint_;
  std::optional<CurveKeyPair> own_key_;
  std::string server_key_;
};

}  // namespace crowdmesh::mesh
