#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "caf/expected.hpp"
#include "osc/osc_mapping.hpp"

namespace crowdmesh::osc {

/// Where the OSC bridge listens.
struct OscBridgeConfig {
  /// UDP ports, one listener thread each; 0 = an ephemeral port (see
  /// OscBridge::ports()). The original server used 57122 (57120 before).
  std::vector<int> ports{57122};
  /// Local address to bind (numeric IPv4/IPv6 or a host name). Loopback by
  /// default; "0.0.0.0" or "::" to accept OSC from other machines.
  std::string bind = "127.0.0.1";
};

/// Counters of an OscBridge since start(). A bundle element counts as one
/// message.
struct OscBridgeStats {
  uint64_t received = 0;         ///< OSC messages received (including malformed)
  uint64_t mapped = 0;           ///< messages that mapped to a command and went to dispatch
  uint64_t malformed = 0;        ///< undecodable packets, unknown addresses, wrong arguments
  uint64_t replies_sent = 0;     ///< /reply datagrams sent
  uint64_t replies_dropped = 0;  ///< replies after stop(), second calls of a Reply, send failures
  /// Replies not sent because the bridge's reply budget (kRepliesPerSecond,
  /// reply_budget.hpp) was spent: a flood, possibly with a forged sender.
  uint64_t replies_limited = 0;
  /// Mapped messages refused without dispatch because kMaxCommandsInFlight
  /// earlier ones were still unanswered (answered with an error, within the
  /// reply budget): a flood faster than the node executes it.
  uint64_t refused_busy = 0;
  /// Malformed count per OSC address ("" = undecodable packet, "#bundle" =
  /// broken bundle); at most 256 addresses, the rest under "(other)".
  std::map<std::string, uint64_t> malformed_by_address;
};

/// Most mapped OSC messages the bridge has handed to `dispatch` and that are
/// not answered yet (their Reply neither called nor destroyed). Each one holds
/// a command in the node until it is executed; without a cap one 64 KB bundle
/// of /get_status puts 3274 commands in flight, and 20 such bundles within a
/// second grew a node by 800 MiB. The original server's clients send a few
/// messages a second.
inline constexpr std::size_t kMaxCommandsInFlight = 256;

/// OSC compatibility bridge (docs/PROTOCOL.md, "OSC bridge"): listens on UDP for the original
/// Crowdstream server's OSC API, maps each message with map_osc() and hands
/// the command to `dispatch`. Every message gets one OSC reply to the
/// address it came from: `/reply ADDRESS ok|error TEXT` (three strings).
///
/// Sockets: the bridge opens its own UDP socket per port, bound to
/// `config.bind`, and uses liblo only to decode and encode OSC packets
/// (messages and bundles; bundle time tags are ignored, elements apply now).
/// liblo 0.31's servers always bind the wildcard address (server.c calls
/// getaddrinfo(NULL, port, AI_PASSIVE)), which would break "OSC listens on
/// loopback unless told otherwise".
///
/// Threads: one receive thread per port calls `dispatch` (and map_osc).
/// Replies are sent with sendto() from the socket that received the message
/// (so they come from the port the sender talked to), under one mutex shared
/// with stop(); a Reply may therefore be called from any thread, at any time,
/// even after stop() or after the bridge is destroyed (it is then dropped
/// and counted). Malformed or unknown OSC is counted and logged once per
/// address; it never stops the bridge. At most kMaxCommandsInFlight messages
/// are dispatched and unanswered at a time; more are refused (error reply,
/// counted in refused_busy, logged at most once a second).
class OscBridge {
 public:
  /// Answers one mapped message: ok = the node accepted/executed it, text =
  /// its sentence (Ok.message or Error.message). Callable from any thread,
  /// once; later calls are dropped. Never blocks for long (one sendto).
  using Reply = std::function<void(bool ok, const std::string& text)>;
  /// Receives every successfully mapped message on a receive thread. It
  /// should hand the message on (to an actor, the mesh) and return quickly;
  /// it must call the Reply exactly once, now or later, from any thread.
  /// An exception thrown by it is caught and answered as an error.
  using Dispatch = std::function<void(MappedMessage, Reply)>;

  /// Binds every port of `config` and starts one receive thread per port.
  /// Errors: io_error naming the address and port that could not be bound
  /// (nothing stays open); value_out_of_range for no ports or a port outside
  /// 0..65535.
  static caf::expected<std::unique_ptr<OscBridge>> start(OscBridgeConfig config, Dispatch dispatch);

  /// Stops and joins the receive threads (stop()).
  ~OscBridge();
  OscBridge(const OscBridge&) = delete;
  OscBridge& operator=(const OscBridge&) = delete;

  /// Wakes and joins the receive threads, then closes the sockets; replies
  /// arriving afterwards are dropped. Idempotent. Do not call from `dispatch`.
  void stop();

  /// The UDP ports actually bound, in config order (ephemeral ports
  /// resolved). Thread-safe.
  std::vector<int> ports() const;

  /// A snapshot of the counters. Thread-safe.
  OscBridgeStats stats() const;

  struct Shared;  ///< state shared with Reply callables (implementation detail)

 private:
  struct Listener;
  OscBridge(std::shared_ptr<Shared> shared, Dispatch dispatch);
  void run(Listener& listener);

  std::shared_ptr<Shared> shared_;
  Dispatch dispatch_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace crowdmesh::osc
