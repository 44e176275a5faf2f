#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "caf/expected.hpp"
#include "mesh/socket_security.hpp"

namespace crowdmesh::mesh {

/// What a ZAP handler answers one request (RFC 27 status codes).
struct ZapDecision {
  /// "200" (let in) or "400" (refused).
  std::string status_code;
  /// Shown to the client's log: "OK", or why not.
  std::string status_text;
  /// The key's identity ("node:room-b"), given back as the "User-Id" message
  /// property; empty when refused.
  std::string user_id;
};

/// The policy: a CURVE client whose 32-byte public key (`credential`, binary,
/// as ZAP carries it) is in `authorized` is let in with that key's name;
/// anything else (another mechanism, an unknown key, a wrong length) is
/// refused. Pure, thread-safe.
ZapDecision decide_zap(const std::vector<AuthorizedKey>& authorized, const std::string& mechanism,
                       const std::string& credential);

/// Counters of one ZAP handler since start.
struct ZapStats {
  std::uint64_t accepted = 0;  ///< handshakes let in
  std::uint64_t refused = 0;   ///< handshakes refused (unknown key)
};

/// The ZAP handler (ZeroMQ RFC 27) of one ZeroMQ context: a REP socket on
/// "inproc://zeromq.zap.01" that libzmq asks, for every CURVE handshake on a
/// server socket of that context, whether the client's key may in. It answers
/// with decide_zap(), counts, and logs each refusal (rate-limited per key:
/// the key, the peer's address and the domain). It runs on a thread of its
/// own that sleeps in zmq_poll until a handshake or stop() — no timer.
///
/// Thread contract: start()/stop() from the owner; stats() from any thread.
/// Stop it (or destroy it) before closing its context.
class ZapHandler {
 public:
  /// Binds the ZAP endpoint in `ctx` and starts answering. `node` names this
  /// node in log lines. Errors: errc::io_error when the endpoint is taken
  /// (a second handler in one context) or the eventfd cannot be made.
  static caf::expected<std::unique_ptr<ZapHandler>> start(zmq::context_t& ctx, std::vector<AuthorizedKey> authorized,
                                                          std::string node);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  /// Stops the thread and closes the socket; idempotent.
  void stop();
  ZapStats stats() const;

 private:
  struct Impl;
  explicit ZapHandler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crowdmesh::mesh
