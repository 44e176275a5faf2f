#include "mesh/mesh_gateway.hpp"
#include "mesh/forward_table.hpp"
#include "common/strings.hpp"
#include "common/node_name.hpp"

#include <pthread.h>

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include <zmq.hpp>

#include "common/error.hpp"
#include "common/z85_key.hpp"
#include "common/local_clock.hpp"
#include "common/log.hpp"
#include "mesh/clock_estimator.hpp"
#include "mesh/command_route.hpp"
#include "mesh/gateway_timers.hpp"
#include "mesh/peer_liveness.hpp"
#include "mesh/probe_bursts.hpp"
#include "mesh/rate_limited_log.hpp"
#include "mesh/subscription_set.hpp"
#include "mesh/telemetry_watch.hpp"
#include "mesh/zap_handler.hpp"

#include <random>

namespace crowdmesh::mesh {
namespace {

using crowdmesh::v1::Envelope;
using crowdmesh::v1::ErrorCode;
using crowdmesh::v1::Reply;

constexpr std::size_t kMaxSizeSlackBytes = 4096;  // ZMQ_MAXMSGSIZE = limit + this
constexpr std::size_t kMaxQueuedPublishes = 10000;
constexpr std::size_t kDrainBudget = 1000;  // messages per socket per poll round
constexpr std::size_t kKeptFrames = 3;      // frames kept of a multipart message
constexpr int kReconnectIvlMs = 100;
constexpr const char* kPeerRoutingPrefix = "mesh:";
constexpr const char* kMonitorEndpoint = "inproc://crowdmesh.gateway.monitor";

// "mesh:<node>:<16 random hex digits>": a peer's DEALER identity on the others'
// ROUTERs, new at every start. Unpredictable, so no one can claim it first;
// the ROUTERs refuse a second connection under a taken identity (no
// ROUTER_HANDOVER), so no one can take it over either.
std::string random_routing_id(const std::string& node) {
  std::random_device rd;
  std::uint64_t bits = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(bits));
  return std::string(kPeerRoutingPrefix) + node + ":" + hex;
}
constexpr std::chrono::seconds kLoadBudget{30};
constexpr std::chrono::nanoseconds kMaxHeldWait{std::chrono::hours(1) + std::chrono::seconds(1)};  // a forwarded LoadBuffer decodes ahead before replying

std::string payload_name(const Envelope& env) {
  switch (env.payload_case()) {
    case Envelope::kCommand: return "command";
    case Envelope::kReply: return "reply";
    case Envelope::kEvent: return "event";
    case Envelope::kTelemetry: return "telemetry";
    case Envelope::kAudioChunk: return "audio_chunk";
    case Envelope::kClockProbe: return "clock_probe";
    default: return "none";
  }
}

/// Work handed to the gateway thread by other threads.
struct Item {
  enum class Kind { kPublish, kResponse, kDropped } kind = Kind::kPublish;
  std::string topic;
  Envelope env;
  std::uint64_t local_id = 0;
  Reply reply;
};

/// Mutex-protected queue + eventfd that wakes the poll loop. Shared with
/// Responders, which may outlive the gateway (they hold it weakly).
struct Mailbox {
  std::mutex mutex;
  std::deque<Item> items;
  std::size_t queued_publishes = 0;
  bool closed = false;
  int efd = -1;

  ~Mailbox() {
    if (efd >= 0) ::close(efd);
  }
  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(efd, &one, sizeof one);
  }
  bool post(Item item) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!admit(item)) return false;
      items.push_back(std::move(item));
    }
    wake();
    return true;
  }
  // Several items, one wake-up. Returns how many were dropped.
  std::size_t post_all(std::vector<Item> batch) {
    std::size_t dropped = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      for (Item& item : batch) {
        if (admit(item))
          items.push_back(std::move(item));
        else
          ++dropped;
      }
    }
    if (dropped < batch.size()) wake();
    return dropped;
  }

 private:
  // Under `mutex`.
  bool admit(const Item& item) {
    if (closed) return false;
    if (item.kind == Item::Kind::kPublish) {
      if (queued_publishes >= kMaxQueuedPublishes) return false;
      ++queued_publishes;
    }
    return true;
  }
};

/// Shared by all copies of one Responder: the first call wins; if none comes,
/// the destructor reports the dropped command.
struct ResponderState {
  std::weak_ptr<Mailbox> mailbox;
  std::uint64_t local_id = 0;
  std::atomic<bool> done{false};

  ResponderState(std::weak_ptr<Mailbox> m, std::uint64_t id) : mailbox(std::move(m)), local_id(id) {}
  ~ResponderState() {
    if (done.exchange(true)) return;
    if (auto m = mailbox.lock()) {
      Item item;
      item.kind = Item::Kind::kDropped;
      item.local_id = local_id;
      m->post(std::move(item));
    }
  }
  void respond(Reply reply) {
    if (done.exchange(true)) return;
    if (auto m = mailbox.lock()) {
      Item item;
      item.kind = Item::Kind::kResponse;
      item.local_id = local_id;
      item.reply = std::move(reply);
      m->post(std::move(item));
    }
  }
};

struct Counters {
  std::atomic<std::uint64_t> commands_in{0}, replies_out{0}, forwarded{0}, malformed{0}, too_large{0},
      version_mismatch{0}, unknown_payload{0}, unknown_node{0}, timeouts{0}, not_alive{0}, unroutable{0},
      late_replies{0}, handler_errors{0}, published{0}, publish_dropped{0}, clock_samples{0}, probes_answered{0},
      handshakes_failed{0};
};

void bump(std::atomic<std::uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

struct MeshGateway::Impl {
  struct Peer {
    PeerConfig cfg;
    zmq::socket_t dealer;
    zmq::socket_t sub;
    // Guarded by state_mutex.
    std::vector<std::string> roles;
    std::int64_t clock_offset_ns = 0;
    double clock_rtt_ms = 0;
    double clock_skew_ppm = 0;
    std::int64_t clock_error_ns = -1;
    bool clock_locked = false;
  };
  struct Local {
    std::string routing_id;
    std::string request_source;
    std::uint64_t original_id = 0;
    std::string reply_source;
  };

  GatewayConfig cfg;
  CommandHandler handler;
  EventHandler on_event;
  std::string gateway_source;  // "<node>/gateway"
  zmq::context_t ctx{1};
  std::unique_ptr<ZapHandler> zap;  // curve mode: answers the handshakes of router and pub
  zmq::socket_t router;
  zmq::socket_t pub;      // XPUB: also reports who subscribes (telemetry watchers)
  zmq::socket_t monitor;  // PAIR: the router's failed handshakes
  std::vector<std::unique_ptr<Peer>> peers;
  std::string control_ep, events_ep;
  std::shared_ptr<Mailbox> mailbox = std::make_shared<Mailbox>();
  std::thread thread;
  std::atomic<bool> stop_requested{false};
  std::mutex stop_mutex;
  bool stopped = false;
  mutable std::mutex state_mutex;
  std::shared_ptr<MeshTimeSource> mesh_time;  // written by the gateway thread only
  MeshClockStats clock;                       // guarded by state_mutex (offset_ns unused)
  Counters counters;
  PeerLiveness liveness{0, 1};          // guarded by state_mutex (written by the gateway thread)
  std::vector<std::string> peer_names;  // config order, as peers

  // Gateway thread only.
  ForwardTable forwards;
  std::unordered_map<std::uint64_t, Local> locals;
  ProbeBursts probes;
  std::uint64_t next_id = 1;
  std::uint64_t probe_sequence = 0;
  int reference_peer = -1;
  GatewayTimers timers;
  ClockEstimator estimator;
  RateLimitedLog rlog;
  std::vector<zmq::message_t> frames;
  SubscriptionSet event_subscriptions;  // of pub
  TelemetryWatch watch{""};
  bool marking_peers = false;  // kPeerMarker held on every peer's SUB
  std::atomic<bool> telemetry_watched{false};

  // ---- helpers -----------------------------------------------------------

  std::int64_t mesh_now() const { return mesh_time->now_ns(); }

  void log_bad(const std::string& kind, const std::string& text) {
    rlog.warn(kind, local_now_ns(), "mesh " + cfg.node + ": " + text);
  }

  // Receives one whole multipart message without blocking; keeps the first
  // kKeptFrames frames in `frames`. Returns the frame count, 0 if none waiting.
  std::size_t recv_message(zmq::socket_t& s) {
    frames.clear();
    zmq::message_t msg;
    if (!s.recv(msg, zmq::recv_flags::dontwait)) return 0;
    std::size_t total = 0;
    for (;;) {
      const bool more = msg.more();
      ++total;
      if (frames.size() < kKeptFrames) frames.push_back(std::move(msg));
      if (!more) break;
      msg = zmq::message_t();
      if (!s.recv(msg)) break;  // parts of one message arrive together
    }
    return total;
  }

  void send_to_router(const std::string& routing_id, Envelope& env, bool restamp) {
    if (restamp) env.set_send_time_ns(mesh_now());
    const std::string bytes = encode_envelope(env);
    try {
      if (!router.send(zmq::buffer(routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
          !router.send(zmq::buffer(bytes), zmq::send_flags::dontwait)) {
        bump(counters.unroutable);
        log_bad("unroutable", "reply to '" + printable(env.target()) + "' dropped: client queue full");
        return;
      }
      bump(env.has_reply() ? counters.replies_out : counters.probes_answered);
    } catch (const zmq::error_t& e) {
      bump(counters.unroutable);
      log_bad("unroutable", "reply to '" + printable(env.target()) + "' (correlation id " +
                                std::to_string(env.correlation_id()) + ") is unroutable: " + e.what());
    }
  }

  void reply_error(const std::string& routing_id, const std::string& request_source, std::uint64_t corr,
                   const std::string& reply_source, ErrorCode code, const std::string& message) {
    Envelope req;
    req.set_source(request_source);
    req.set_correlation_id(corr);
    Envelope out = make_error_reply(req, reply_source, code, message);
    send_to_router(routing_id, out, true);
  }

  void reply_value(const std::string& routing_id, const std::string& request_source, std::uint64_t corr,
                   const std::string& reply_source, Reply reply) {
    Envelope req;
    req.set_source(request_source);
    req.set_correlation_id(corr);
    Envelope out = make_reply(req, reply_source, std::move(reply), 0);
    send_to_router(routing_id, out, true);
  }

  void count_wire_error(ErrorCode code) {
    switch (code) {
      case crowdmesh::v1::ERROR_CODE_MESSAGE_TOO_LARGE: bump(counters.too_large); break;
      case crowdmesh::v1::ERROR_CODE_VERSION_MISMATCH: bump(counters.version_mismatch); break;
      case crowdmesh::v1::ERROR_CODE_UNKNOWN_PAYLOAD: bump(counters.unknown_payload); break;
      default: bump(counters.malformed); break;
    }
  }

  void publish_now(const std::string& topic, Envelope& env) {
    env.set_protocol_version(kProtocolVersion);
    if (env.source().empty()) env.set_source(gateway_source);
    if (env.send_time_ns() == 0) env.set_send_time_ns(mesh_now());
    const std::string bytes = encode_envelope(env);
    try {
      if (pub.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait) &&
          pub.send(zmq::buffer(bytes), zmq::send_flags::dontwait)) {
        bump(counters.published);
        return;
      }
    } catch (const zmq::error_t& e) {
      log_bad("publish", "publishing on " + topic + " failed: " + e.what());
    }
    bump(counters.publish_dropped);
  }

  void publish_event(const std::string& kind, const std::string& text,
                     std::vector<std::pair<std::string, std::string>> fields) {
    Envelope env;
    env.set_source(gateway_source);
    auto* ev = env.mutable_event();
    ev->set_kind(kind);
    ev->set_text(text);
    for (auto& [k, v] : fields) (*ev->mutable_fields())[k] = v;
    publish_now("evt." + cfg.node + ".gateway", env);
  }

  void publish_heartbeat(const MeshClockStats& c) {
    Envelope env;
    env.set_source(gateway_source);
    auto* ev = env.mutable_event();
    ev->set_kind("heartbeat");
    ev->set_text(cfg.node + " is alive");
    auto* hb = ev->mutable_heartbeat();
    for (const auto& r : cfg.roles) hb->add_roles(r);
    hb->set_control_endpoint(control_ep);
    hb->set_clock_offset_ns(c.offset_ns);
    hb->set_clock_rtt_ns(c.rtt_ns);
    hb->set_clock_skew_ppm(c.skew_ppm);
    hb->set_clock_error_ns(c.estimated_error_ns);
    hb->set_clock_locked(c.locked);
    hb->set_clock_reference(c.reference);
    publish_now("evt." + cfg.node + ".gateway", env);
  }

  // ---- liveness ----------------------------------------------------------

  void heard_from(std::size_t index, std::int64_t now) {
    bool came_up;
    {
      std::lock_guard<std::mutex> lock(state_mutex);
      came_up = liveness.heard(index, now);
    }
    if (came_up) say_alive(index, true, now);
  }

  // Logs and publishes a change of a peer's liveness (peer.up / peer.down).
  void say_alive(std::size_t index, bool alive, std::int64_t now) {
    Peer& p = *peers[index];
    if (alive) {
      spdlog::info("mesh {}: node {} is alive", cfg.node, p.cfg.name);
      publish_event("peer.up", "node " + p.cfg.name + " is alive", {{"node", p.cfg.name}});
      if (static_cast<int>(index) == reference_peer) timers.reference_came_up(now);
    } else {
      spdlog::warn("mesh {}: node {} is not alive (nothing heard for {} ms)", cfg.node, p.cfg.name,
                   liveness.window_ns() / 1'000'000);
      publish_event("peer.down", "node " + p.cfg.name + " is not alive", {{"node", p.cfg.name}});
    }
  }

  // ---- control socket ----------------------------------------------------

  void on_router_message(std::size_t total, std::int64_t recv_mesh_ns) {
    const std::string routing_id = frames[0].to_string();
    if (total != 2) {
      bump(counters.malformed);
      const std::string msg =
          "expected one envelope frame after the routing id, got " + std::to_string(total - 1) + " frames";
      log_bad("malformed", "control: " + msg);
      reply_error(routing_id, "", 0, gateway_source, crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE, msg);
      return;
    }
    auto decoded = decode_envelope(frames[1].data(), frames[1].size(), cfg.max_message_bytes);
    if (auto* err = std::get_if<WireError>(&decoded)) {
      count_wire_error(err->code);
      log_bad("wire_error_" + std::to_string(err->code), "control: " + err->message);
      reply_error(routing_id, err->source, err->correlation_id, gateway_source, err->code, err->message);
      return;
    }
    Envelope& env = std::get<Envelope>(decoded);
    if (env.has_clock_probe()) {
      answer_probe(routing_id, env, recv_mesh_ns);
    } else if (env.has_command()) {
      handle_command(routing_id, env, sent_by_peer(routing_id, frames[1]));
    } else {
      bump(counters.unknown_payload);
      const std::string msg =
          "payload " + payload_name(env) + " is not accepted on the control socket (only command and clock_probe)";
      log_bad("unknown_payload", "control: " + msg);
      reply_error(routing_id, env.source(), env.correlation_id(), gateway_source,
                  crowdmesh::v1::ERROR_CODE_UNKNOWN_PAYLOAD, msg);
    }
  }

  void answer_probe(const std::string& routing_id, const Envelope& env, std::int64_t recv_mesh_ns) {
    Envelope out;
    out.set_protocol_version(kProtocolVersion);
    out.set_source(cfg.node + "/clock");
    out.set_target(env.source());
    out.set_correlation_id(env.correlation_id());
    auto* probe = out.mutable_clock_probe();
    *probe = env.clock_probe();
    probe->set_t2_ns(recv_mesh_ns);
    const std::int64_t t3 = mesh_now();
    probe->set_t3_ns(t3);
    out.set_send_time_ns(t3);
    send_to_router(routing_id, out, false);
  }

  // Whether a message on the ROUTER comes from another node's gateway. Curve:
  // the key it authenticated with is a node's (the ZAP handler's User-Id).
  // Plain (loopback only, no authentication): its identity says so.
  bool sent_by_peer(const std::string& routing_id, zmq::message_t& frame) {
    if (cfg.security.curve) {
      const char* user = zmq_msg_gets(frame.handle(), "User-Id");
      return user && std::strncmp(user, kNodeIdentityPrefix, std::strlen(kNodeIdentityPrefix)) == 0;
    }
    return routing_id.rfind(kPeerRoutingPrefix, 0) == 0;
  }

  // Reads the router's monitor: every failed handshake is one refused connection.
  void drain_monitor() {
    for (std::size_t n = 0; n < kDrainBudget; ++n) {
      const std::size_t total = recv_message(monitor);
      if (total == 0) return;
      if (frames.empty() || frames[0].size() < 6) continue;
      std::uint16_t event = 0;
      std::memcpy(&event, frames[0].data(), sizeof event);
      const std::string peer = frames.size() > 1 ? frames[1].to_string() : std::string();
      bump(counters.handshakes_failed);
      const char* why = event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH       ? "its key was refused"
                        : event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ? "it does not speak this node's security"
                                                                         " (plain against CURVE, or garbage)"
                                                                       : "the handshake failed";
      log_bad("handshake_failed", "control: refused a connection on " + peer + ": " + why + " (security " +
                                      cfg.security.mode_name() + ", docs/SECURITY.md)");
    }
  }

  void handle_command(const std::string& routing_id, const Envelope& env, bool from_peer) {
    bump(counters.commands_in);
    auto addr = parse_address(env.target());
    if (!addr) {
      bump(counters.malformed);
      const std::string msg = error_sentence(addr.error());
      log_bad("bad_address", "control: " + msg);
      reply_error(routing_id, env.source(), env.correlation_id(), gateway_source,
                  crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE, "target: " + msg);
      return;
    }
    const CommandRoute route = route_command(*addr, cfg.node, peer_names, from_peer);
    switch (route.kind) {
      case CommandRoute::Kind::local:
      case CommandRoute::Kind::here_only: deliver_local(routing_id, env, addr->actor); return;
      case CommandRoute::Kind::everywhere:
        deliver_local(routing_id, env, addr->actor);
        for (std::size_t i = 0; i < peers.size(); ++i) forward(routing_id, env, i, addr->actor);
        return;
      case CommandRoute::Kind::peer: forward(routing_id, env, route.peer, addr->actor); return;
      case CommandRoute::Kind::refused:
        bump(counters.unknown_node);
        log_bad(route.reason, "control: " + route.sentence);
        reply_error(routing_id, env.source(), env.correlation_id(), gateway_source,
                    crowdmesh::v1::ERROR_CODE_UNKNOWN_NODE, route.sentence);
        return;
    }
  }

  void deliver_local(const std::string& routing_id, const Envelope& env, const std::string& actor) {
    const std::string reply_source = cfg.node + "/" + actor;
    if (env.command().has_get_telemetry()) {
      watch.note_read(local_now_ns());
      refresh_watch(local_now_ns());
    }
    if (env.command().has_get_nodes()) {
      reply_value(routing_id, env.source(), env.correlation_id(), reply_source, node_list_reply());
      return;
    }
    if (env.command().command_case() == crowdmesh::v1::Command::COMMAND_NOT_SET) {
      bump(counters.unknown_payload);
      const std::string msg =
          "command for " + reply_source + " has no command this node knows (empty, or a newer sender)";
      log_bad("unknown_command", "control: " + msg);
      reply_error(routing_id, env.source(), env.correlation_id(), reply_source,
                  crowdmesh::v1::ERROR_CODE_UNKNOWN_PAYLOAD, msg);
      return;
    }
    if (!handler) {
      reply_error(routing_id, env.source(), env.correlation_id(), reply_source, crowdmesh::v1::ERROR_CODE_INTERNAL,
                  "node " + cfg.node + " has no command handler");
      return;
    }
    const std::uint64_t id = next_id++;
    locals[id] = Local{routing_id, env.source(), env.correlation_id(), reply_source};
    auto state = std::make_shared<ResponderState>(mailbox, id);
    Responder respond = [state](Reply reply) { state->respond(std::move(reply)); };
    state.reset();
    try {
      handler(env, std::move(respond));
    } catch (const std::exception& e) {
      fail_local(id, std::string("the command handler of ") + reply_source + " failed: " + e.what());
    } catch (...) {
      fail_local(id, "the command handler of " + reply_source + " failed with an unknown exception");
    }
  }

  void fail_local(std::uint64_t id, const std::string& msg) {
    auto it = locals.find(id);
    if (it == locals.end()) return;
    bump(counters.handler_errors);
    spdlog::error("mesh {}: {}", cfg.node, msg);
    reply_error(it->second.routing_id, it->second.request_source, it->second.original_id, it->second.reply_source,
                crowdmesh::v1::ERROR_CODE_INTERNAL, msg);
    locals.erase(it);
  }

  Reply node_list_reply() const {
    Reply reply;
    auto* ok = reply.mutable_ok();
    ok->set_message(std::to_string(peers.size() + 1) + " nodes known to " + cfg.node);
    auto* list = ok->mutable_nodes();
    for (const PeerState& s : snapshot()) {
      auto* n = list->add_nodes();
      n->set_name(s.name);
      for (const auto& r : s.roles) n->add_roles(r);
      n->set_alive(s.alive);
      n->set_self(s.self);
      n->set_last_heartbeat_age_ms(s.last_heard_age_ms);
      n->set_clock_offset_ns(s.clock_offset_ns);
      n->set_clock_rtt_ms(s.clock_rtt_ms);
      n->set_clock_skew_ppm(s.clock_skew_ppm);
      n->set_clock_error_ns(s.clock_error_ns);
      n->set_clock_locked(s.clock_locked);
      n->set_control_endpoint(s.control_endpoint);
    }
    return reply;
  }

  void forward(const std::string& routing_id, const Envelope& env, std::size_t index, const std::string& actor) {
    Peer& p = *peers[index];
    const std::string reply_source = p.cfg.name + "/" + actor;
    const std::int64_t now = local_now_ns();
    std::string not_alive;
    {
      std::lock_guard<std::mutex> lock(state_mutex);
      if (!liveness.alive(index, now)) not_alive = liveness.not_alive_sentence(index, p.cfg.name, now);
    }
    if (!not_alive.empty()) {
      bump(counters.not_alive);
      reply_error(routing_id, env.source(), env.correlation_id(), reply_source, crowdmesh::v1::ERROR_CODE_TIMEOUT,
                  not_alive);
      return;
    }
    const std::uint64_t id = next_id++;
    Envelope out = env;
    out.set_correlation_id(id);
    const std::string bytes = encode_envelope(out);
    bool sent = false;
    try {
      sent = p.dealer.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
    } catch (const zmq::error_t&) {
      sent = false;
    }
    if (!sent) {
      bump(counters.not_alive);
      reply_error(routing_id, env.source(), env.correlation_id(), reply_source, crowdmesh::v1::ERROR_CODE_TIMEOUT,
                  "node " + p.cfg.name + " is not reachable at " + p.cfg.control_endpoint +
                      " (no connection, or its queue is full)");
      return;
    }
    bump(counters.forwarded);
    forwards.add(id, ForwardEntry{routing_id, env.source(), env.correlation_id(), index, reply_source},
                 now + forward_budget_ns(env));
  }

  // How long a forwarded command may take before the requester is told it timed
  // out: the request timeout, plus the wait of a command held until its
  // execute_at_ns, plus kLoadBudget for a load (it decodes ahead before it replies).
  // The wait is computed in 128 bits and capped at kMaxHeldWait (a node holds
  // a command at most an hour; any execute_at_ns, INT64_MIN..MAX, is safe).
  std::int64_t forward_budget_ns(const Envelope& env) const {
    std::int64_t budget = std::chrono::nanoseconds(cfg.request_timeout).count();
    if (env.has_execute_at_ns()) {
      const __int128 wait = static_cast<__int128>(env.execute_at_ns()) - mesh_now();
      budget += static_cast<std::int64_t>(std::clamp<__int128>(wait, 0, kMaxHeldWait.count()));
    }
    if (env.has_command() && env.command().has_load_buffer())
      budget = std::max(budget, std::chrono::nanoseconds(kLoadBudget).count());
    return budget;
  }

  // ---- peer sockets ------------------------------------------------------

  void on_dealer_message(std::size_t index, std::size_t total, std::int64_t recv_local_ns) {
    Peer& p = *peers[index];
    heard_from(index, recv_local_ns);
    if (total != 1) {
      bump(counters.malformed);
      log_bad("peer_malformed", "node " + p.cfg.name + " sent " + std::to_string(total) +
                                    " frames on the control connection (expected 1)");
      return;
    }
    auto decoded = decode_envelope(frames[0].data(), frames[0].size(), cfg.max_message_bytes);
    if (auto* err = std::get_if<WireError>(&decoded)) {
      count_wire_error(err->code);
      log_bad("peer_wire_error", "from node " + p.cfg.name + ": " + err->message);
      return;
    }
    Envelope& env = std::get<Envelope>(decoded);
    if (env.has_reply()) {
      auto f = forwards.take_reply(env.correlation_id(), index);
      if (!f) {
        bump(counters.late_replies);
        log_bad("late_reply", "dropped a reply from " + printable(env.source()) + " (correlation id " +
                                  std::to_string(env.correlation_id()) + "): no request waits for it");
        return;
      }
      env.set_correlation_id(f->original_id);
      env.set_target(f->request_source);
      send_to_router(f->routing_id, env, false);
    } else if (env.has_clock_probe()) {
      on_probe_answer(env, recv_local_ns);
    } else {
      bump(counters.unknown_payload);
      log_bad("peer_unknown_payload", "node " + p.cfg.name + " sent a " + payload_name(env) +
                                          " on the control connection (expected reply or clock_probe)");
    }
  }

  void on_sub_message(std::size_t index, std::size_t total, std::int64_t now) {
    Peer& p = *peers[index];
    heard_from(index, now);
    if (total != 2) {
      bump(counters.malformed);
      log_bad("peer_malformed",
              "node " + p.cfg.name + " published " + std::to_string(total) + " frames (expected [topic][envelope])");
      return;
    }
    auto decoded = decode_envelope(frames[1].data(), frames[1].size(), cfg.max_message_bytes);
    if (auto* err = std::get_if<WireError>(&decoded)) {
      count_wire_error(err->code);
      log_bad("peer_wire_error", "published by node " + p.cfg.name + ": " + err->message);
      return;
    }
    const Envelope& env = std::get<Envelope>(decoded);
    if (env.has_event() && env.event().has_heartbeat()) {
      const auto& hb = env.event().heartbeat();
      std::lock_guard<std::mutex> lock(state_mutex);
      p.roles.assign(hb.roles().begin(), hb.roles().end());
      p.clock_offset_ns = hb.clock_offset_ns();
      p.clock_rtt_ms = static_cast<double>(hb.clock_rtt_ns()) / 1e6;
      p.clock_skew_ppm = std::isfinite(hb.clock_skew_ppm()) ? hb.clock_skew_ppm() : 0.0;
      p.clock_error_ns = hb.clock_error_ns();
      p.clock_locked = hb.clock_locked();
    }
    if (on_event) {
      try {
        on_event(frames[0].to_string(), env);
      } catch (const std::exception& e) {
        log_bad("event_handler", std::string("event handler failed: ") + e.what());
      }
    }
  }

  // ---- clock -------------------------------------------------------------

  // Sends probe `burst_index` of a burst; the first of a burst (index 0, on
  // the probe tick) also advances the slew and schedules the next tick.
  void send_probe(std::int64_t now, int burst_index = 0) {
    Peer& ref = *peers[static_cast<std::size_t>(reference_peer)];
    probes.make_room();
    Envelope env;
    env.set_protocol_version(kProtocolVersion);
    env.set_source(cfg.node + "/clock");
    env.set_target(ref.cfg.name + "/clock");
    const std::uint64_t id = next_id++;
    env.set_correlation_id(id);
    auto* probe = env.mutable_clock_probe();
    probe->set_sequence(++probe_sequence);
    const std::int64_t t1 = local_now_ns();
    probe->set_t1_ns(t1);
    env.set_send_time_ns(mesh_time->mesh_at(t1));
    const std::string bytes = encode_envelope(env);
    bool sent = false;
    try {
      sent = ref.dealer.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
    } catch (const zmq::error_t&) {
    }
    if (sent) probes.sent(id, t1, burst_index);
    if (burst_index > 0) return;
    update_clock(now);  // the slew proceeds between answers too
    timers.probe_tick_done(now, estimator.probe_interval_ns(now));
  }

  // Publishes the estimator's current piece of the mesh time function and
  // refreshes the stats other threads read; logs lock, steps and re-locks.
  void update_clock(std::int64_t now) {
    const auto before = estimator.stats(now);
    mesh_time->publish(estimator.segment_at(now));
    const auto st = estimator.stats(now);
    const std::string& ref = peers[static_cast<std::size_t>(reference_peer)]->cfg.name;
    if (st.steps > before.steps) {
      spdlog::warn("mesh {}: mesh clock stepped (more than 1 ms from the estimate of {}), {} steps so far", cfg.node,
                   ref, st.steps);
    }
    if (st.locked && !clock.locked) {  // `clock` is written on this thread only
      spdlog::info("mesh {}: mesh clock locked to {}: offset {} ns, skew {:.3f} ppm, error {} ns, {} probes", cfg.node,
                   ref, st.offset_ns, st.skew_ppm, st.estimated_error_ns, st.probes_used);
    }
    std::lock_guard<std::mutex> lock(state_mutex);
    clock.locked = st.locked;
    clock.skew_ppm = st.skew_ppm;
    clock.estimated_error_ns = st.estimated_error_ns;
    clock.rtt_ns = st.last_rtt_ns;
    clock.min_rtt_ns = st.min_rtt_ns;
    clock.probes_used = st.probes_used;
    clock.probes_rejected = st.probes_rejected;
    clock.steps = st.steps;
    clock.relocks = st.relocks;
  }

  void on_probe_answer(const Envelope& env, std::int64_t t4) {
    const auto match = probes.answer(env.correlation_id(), env.clock_probe().t1_ns());
    if (!match) {
      log_bad("stray_probe",
              "dropped a clock probe answer from " + printable(env.source()) + " that matches no probe in flight");
      return;
    }
    if (match->send_next) send_probe(t4, match->burst_index + 1);
    if (!match->fit) return;  // the wake-up probe: its way out is slow
    const auto& p = env.clock_probe();
    auto sample = estimator.add(p.t1_ns(), p.t2_ns(), p.t3_ns(), t4);
    if (!sample) {
      log_bad("bad_probe", error_sentence(sample.error()));
      return;
    }
    if (sample->relocked) {
      spdlog::warn("mesh {}: the clock of reference {} jumped (restart?): re-locking", cfg.node,
                   peers[static_cast<std::size_t>(reference_peer)]->cfg.name);
    }
    bump(counters.clock_samples);
    update_clock(local_now_ns());
  }

  // ---- telemetry watchers -------------------------------------------------

  // Reads the (un)subscriptions the events XPUB queued.
  void read_event_subscriptions() {
    zmq::message_t msg;
    while (pub.recv(msg, zmq::recv_flags::dontwait)) event_subscriptions.apply(msg.data(), msg.size());
    watch.set_subscriptions(event_subscriptions);
  }

  // Holds the marker on every peer while an operator watches this node, and
  // publishes whether telemetry should run at full rate.
  void refresh_watch(std::int64_t now) {
    const bool here = watch.operator_here(now);
    if (here != marking_peers) {
      for (auto& p : peers) {
        if (here)
          p->sub.set(zmq::sockopt::subscribe, TelemetryWatch::kPeerMarker);
        else
          p->sub.set(zmq::sockopt::unsubscribe, TelemetryWatch::kPeerMarker);
      }
      marking_peers = here;
    }
    telemetry_watched.store(watch.watched(now), std::memory_order_relaxed);
  }

  // ---- timers ------------------------------------------------------------

  void on_timers(std::int64_t now) {
    for (const ForwardEntry& f : forwards.take_expired(now)) {
      bump(counters.timeouts);
      const std::string& name = peers[f.peer]->cfg.name;
      const std::string msg =
          "node " + name + " did not answer within " + std::to_string(cfg.request_timeout.count()) + " ms";
      log_bad("timeout_" + name, msg);
      reply_error(f.routing_id, f.request_source, f.original_id, f.reply_source, crowdmesh::v1::ERROR_CODE_TIMEOUT,
                  msg);
    }
    if (timers.take_heartbeat(now)) {
      publish_heartbeat(clock_stats());
      std::vector<std::pair<std::size_t, bool>> changed;
      {
        std::lock_guard<std::mutex> lock(state_mutex);
        changed = liveness.changes(now);
      }
      for (const auto& [index, alive] : changed) say_alive(index, alive, now);
    }
    if (timers.probe_tick_due(now)) send_probe(now);
    refresh_watch(now);
  }

  // ---- mailbox -----------------------------------------------------------

  void drain_mailbox() {
    std::deque<Item> items;
    {
      std::lock_guard<std::mutex> lock(mailbox->mutex);
      items.swap(mailbox->items);
      mailbox->queued_publishes = 0;
    }
    for (Item& item : items) {
      switch (item.kind) {
        case Item::Kind::kPublish: publish_now(item.topic, item.env); break;
        case Item::Kind::kResponse: {
          auto it = locals.find(item.local_id);
          if (it == locals.end()) break;
          Local l = std::move(it->second);
          locals.erase(it);
          reply_value(l.routing_id, l.request_source, l.original_id, l.reply_source, std::move(item.reply));
          break;
        }
        case Item::Kind::kDropped: {
          auto it = locals.find(item.local_id);
          if (it == locals.end()) break;
          fail_local(item.local_id, "the " + it->second.reply_source + " actor dropped the command without replying");
          break;
        }
      }
    }
  }

  // ---- loop --------------------------------------------------------------

  void run() {
    std::vector<zmq_pollitem_t> items;
    items.push_back({router.handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({nullptr, mailbox->efd, ZMQ_POLLIN, 0});
    items.push_back({monitor.handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({pub.handle(), 0, ZMQ_POLLIN, 0});
    for (auto& p : peers) {
      items.push_back({p->dealer.handle(), 0, ZMQ_POLLIN, 0});
      items.push_back({p->sub.handle(), 0, ZMQ_POLLIN, 0});
    }
    timers.start(local_now_ns());
    while (!stop_requested.load(std::memory_order_acquire)) {
      try {
        const std::int64_t now = local_now_ns();
        zmq::poll(items, std::chrono::milliseconds(timers.poll_timeout_ms(now, forwards.next_deadline())));
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) break;
        continue;  // EINTR
      }
      try {
        if (items[1].revents & ZMQ_POLLIN) {
          std::uint64_t value;
          [[maybe_unused]] auto n = ::read(mailbox->efd, &value, sizeof value);
        }
        if (items[0].revents & ZMQ_POLLIN) {
          for (std::size_t n = 0; n < kDrainBudget; ++n) {
            const std::int64_t recv_mesh = mesh_now();
            const std::size_t total = recv_message(router);
            if (total == 0) break;
            on_router_message(total, recv_mesh);
          }
        }
        for (std::size_t i = 0; i < peers.size(); ++i) {
          if (items[4 + 2 * i].revents & ZMQ_POLLIN) {
            for (std::size_t n = 0; n < kDrainBudget; ++n) {
              const std::size_t total = recv_message(peers[i]->dealer);
              if (total == 0) break;
              on_dealer_message(i, total, local_now_ns());
            }
          }
          if (items[5 + 2 * i].revents & ZMQ_POLLIN) {
            for (std::size_t n = 0; n < kDrainBudget; ++n) {
              const std::size_t total = recv_message(peers[i]->sub);
              if (total == 0) break;
              on_sub_message(i, total, local_now_ns());
            }
          }
        }
        if (items[2].revents & ZMQ_POLLIN) drain_monitor();
        if (items[3].revents & ZMQ_POLLIN) read_event_subscriptions();
        drain_mailbox();
        on_timers(local_now_ns());
      } catch (const std::exception& e) {
        // A bug or a ZeroMQ failure on one message: log and keep serving.
        log_bad("loop", std::string("gateway loop error: ") + e.what());
      }
    }
  }

  MeshClockStats clock_stats() const {
    MeshClockStats c;
    {
      std::lock_guard<std::mutex> lock(state_mutex);
      c = clock;
    }
    c.offset_ns = mesh_time->offset_ns();
    return c;
  }

  std::vector<PeerState> snapshot() const {
    std::vector<PeerState> out;
    const std::int64_t now = local_now_ns();
    const MeshClockStats c = clock_stats();
    PeerState self;
    self.name = cfg.node;
    self.roles = cfg.roles;
    self.alive = true;
    self.self = true;
    self.last_heard_age_ms = 0;
    self.clock_offset_ns = c.offset_ns;
    self.clock_rtt_ms = static_cast<double>(c.rtt_ns) / 1e6;
    self.clock_skew_ppm = c.skew_ppm;
    self.clock_error_ns = c.estimated_error_ns;
    self.clock_locked = c.locked;
    self.control_endpoint = control_ep;
    out.push_back(std::move(self));
    std::lock_guard<std::mutex> lock(state_mutex);
    for (std::size_t i = 0; i < peers.size(); ++i) {
      const auto& p = peers[i];
      PeerState s;
      s.name = p->cfg.name;
      s.roles = p->roles;
      s.alive = liveness.alive(i, now);
      s.last_heard_age_ms = liveness.last_heard_age_ms(i, now);
      s.clock_offset_ns = p->clock_offset_ns;
      s.clock_rtt_ms = p->clock_rtt_ms;
      s.clock_skew_ppm = p->clock_skew_ppm;
      s.clock_error_ns = p->clock_error_ns;
      s.clock_locked = p->clock_locked;
      s.control_endpoint = p->cfg.control_endpoint;
      out.push_back(std::move(s));
    }
    return out;
  }

  void close_sockets() {
    if (router.handle()) zmq_socket_monitor(router.handle(), nullptr, 0);
    monitor.close();
    router.close();
    pub.close();
    for (auto& p : peers) {
      p->dealer.close();
      p->sub.close();
    }
    if (zap) zap->stop();
    ctx.close();
  }
};

// ---- MeshGateway ---------------------------------------------------------

namespace {

caf::error validate(const GatewayConfig& cfg) {
  if (!valid_node_name(cfg.node)) {
    return make_error(errc::value_out_of_range,
                      "node name '" + printable(cfg.node) + "' is invalid: use " + kNodeNameRule);
  }
  std::set<std::string> names{cfg.node};
  for (const auto& p : cfg.peers) {
    if (!valid_node_name(p.name)) {
      return make_error(errc::value_out_of_range,
                        "peer name '" + printable(p.name) + "' is invalid: use " + kNodeNameRule);
    }
    if (!names.insert(p.name).second) {
      return make_error(errc::value_out_of_range,
                        "node name '" + p.name + "' appears twice in the mesh (this node is '" + cfg.node + "')");
    }
  }
  if (!cfg.clock_reference.empty() && !names.count(cfg.clock_reference)) {
    std::vector<std::string> known(names.begin(), names.end());
    return make_error(errc::value_out_of_range, "clock reference '" + printable(cfg.clock_reference) +
                                                    "' is not a known node (known: " + join(known, ", ") + ")");
  }
  if (cfg.heartbeat_interval.count() <= 0 || cfg.request_timeout.count() <= 0 ||
      cfg.clock_probe_interval.count() <= 0 || cfg.liveness < 1) {
    return make_error(errc::value_out_of_range,
                      "heartbeat_interval (" + std::to_string(cfg.heartbeat_interval.count()) +
                          " ms), request_timeout (" + std::to_string(cfg.request_timeout.count()) +
                          " ms), clock_probe_interval (" + std::to_string(cfg.clock_probe_interval.count()) +
                          " ms) must be > 0 and liveness (" + std::to_string(cfg.liveness) + ") >= 1");
  }
  if (cfg.security.curve) {
    for (const auto& [what, key] : {std::pair<std::string, std::string>{"this node's public key", cfg.security.own.public_key},
                                    {"this node's secret key", cfg.security.own.secret_key}}) {
      const std::string problem = z85_key_problem(key);
      if (!problem.empty()) return make_error(errc::value_out_of_range, "curve security: " + what + " " + problem);
    }
    for (const auto& p : cfg.peers) {
      const std::string problem = z85_key_problem(p.public_key);
      if (!problem.empty())
        return make_error(errc::value_out_of_range, "curve security: the public key of node " + p.name + " " + problem);
    }
  }
  if (cfg.max_message_bytes < 64 || cfg.max_message_bytes > (std::size_t{1} << 30)) {
    return make_error(errc::value_out_of_range, "max_message_bytes " + std::to_string(cfg.max_message_bytes) +
                                                    " is outside 64..1073741824 bytes");
  }
  return {};
}

}  // namespace

MeshGateway::MeshGateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

caf::expected<std::unique_ptr<MeshGateway>> MeshGateway::start(GatewayConfig cfg, CommandHandler handler,
                                                               EventHandler on_event) {
  if (auto err = validate(cfg)) return err;
  auto impl = std::make_unique<Impl>();
  Impl& g = *impl;
  g.cfg = std::move(cfg);
  g.handler = std::move(handler);
  g.on_event = std::move(on_event);
  g.gateway_source = g.cfg.node + "/gateway";
  g.watch = TelemetryWatch(g.cfg.node);
  for (const auto& pc : g.cfg.peers) g.peer_names.push_back(pc.name);
  g.liveness =
      PeerLiveness(g.cfg.peers.size(), std::chrono::nanoseconds(g.cfg.heartbeat_interval).count() * g.cfg.liveness);
  g.mesh_time = g.cfg.mesh_time ? g.cfg.mesh_time : std::make_shared<MeshTimeSource>();
  ClockEstimatorConfig ecfg;
  ecfg.slow_probe_interval_ns = std::chrono::nanoseconds(g.cfg.clock_probe_interval).count();
  g.estimator = ClockEstimator(ecfg);
  const auto max_zmq_bytes = static_cast<std::int64_t>(g.cfg.max_message_bytes + kMaxSizeSlackBytes);

  g.mailbox->efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (g.mailbox->efd < 0) {
    return make_error(errc::io_error, std::string("cannot create the gateway's eventfd: ") + std::strerror(errno));
  }

  const MeshSecurity& sec = g.cfg.security;
  if (sec.curve) {
    auto zap = ZapHandler::start(g.ctx, sec.authorized, g.cfg.node);
    if (!zap) return zap.error();
    g.zap = std::move(*zap);
  }
  const int heartbeat_ms = static_cast<int>(g.cfg.heartbeat_interval.count());
  const int heartbeat_timeout_ms = static_cast<int>(g.cfg.heartbeat_interval.count() * g.cfg.liveness);
  std::string step;
  try {
    step = "bind " + g.cfg.control_bind;
    g.router = zmq::socket_t(g.ctx, zmq::socket_type::router);
    g.router.set(zmq::sockopt::linger, 0);
    g.router.set(zmq::sockopt::router_mandatory, 1);
    g.router.set(zmq::sockopt::maxmsgsize, max_zmq_bytes);
    // A connection that went silent is dropped, so a peer reconnecting under
    // its identity after a network fault is not refused as a duplicate.
    g.router.set(zmq::sockopt::heartbeat_ivl, heartbeat_ms);
    g.router.set(zmq::sockopt::heartbeat_timeout, heartbeat_timeout_ms);
    secure_server(g.router, sec, kZapDomainControl);
    step = "monitor " + g.cfg.control_bind;
    if (zmq_socket_monitor(g.router.handle(), kMonitorEndpoint,
                           ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
      throw zmq::error_t();
    g.monitor = zmq::socket_t(g.ctx, zmq::socket_type::pair);
    g.monitor.set(zmq::sockopt::linger, 0);
    g.monitor.connect(kMonitorEndpoint);
    step = "bind " + g.cfg.control_bind;
    g.router.bind(g.cfg.control_bind);
    g.control_ep = g.router.get(zmq::sockopt::last_endpoint);

    step = "bind " + g.cfg.events_bind;
    g.pub = zmq::socket_t(g.ctx, zmq::socket_type::xpub);
    g.pub.set(zmq::sockopt::linger, 0);
    secure_server(g.pub, sec, kZapDomainEvents);
    g.pub.bind(g.cfg.events_bind);
    g.events_ep = g.pub.get(zmq::sockopt::last_endpoint);

    for (std::size_t i = 0; i < g.cfg.peers.size(); ++i) {
      const PeerConfig& pc = g.cfg.peers[i];
      auto peer = std::make_unique<Impl::Peer>();
      peer->cfg = pc;
      peer->roles = pc.roles;
      step = "connect to node " + pc.name + " control endpoint " + pc.control_endpoint;
      peer->dealer = zmq::socket_t(g.ctx, zmq::socket_type::dealer);
      peer->dealer.set(zmq::sockopt::linger, 0);
      peer->dealer.set(zmq::sockopt::immediate, 1);
      peer->dealer.set(zmq::sockopt::reconnect_ivl, kReconnectIvlMs);
      peer->dealer.set(zmq::sockopt::routing_id, random_routing_id(g.cfg.node));
      peer->dealer.set(zmq::sockopt::maxmsgsize, max_zmq_bytes);
      peer->dealer.set(zmq::sockopt::heartbeat_ivl, heartbeat_ms);
      peer->dealer.set(zmq::sockopt::heartbeat_timeout, heartbeat_timeout_ms);
      secure_client(peer->dealer, sec, pc.public_key);
      peer->dealer.connect(pc.control_endpoint);
      step = "connect to node " + pc.name + " events endpoint " + pc.events_endpoint;
      peer->sub = zmq::socket_t(g.ctx, zmq::socket_type::sub);
      peer->sub.set(zmq::sockopt::linger, 0);
      peer->sub.set(zmq::sockopt::reconnect_ivl, kReconnectIvlMs);
      peer->sub.set(zmq::sockopt::maxmsgsize, max_zmq_bytes);
      peer->sub.set(zmq::sockopt::subscribe, "evt.");
      peer->sub.set(zmq::sockopt::subscribe, TelemetryWatch::peer_data_topic(pc.name));
      secure_client(peer->sub, sec, pc.public_key);
      peer->sub.connect(pc.events_endpoint);
      if (pc.name == g.cfg.clock_reference) g.reference_peer = static_cast<int>(i);
      g.peers.push_back(std::move(peer));
    }
  } catch (const zmq::error_t& e) {
    g.close_sockets();
    return make_error(errc::io_error, "cannot " + step + ": " + e.what());
  }

  g.timers = GatewayTimers(std::chrono::nanoseconds(g.cfg.heartbeat_interval).count(), g.reference_peer >= 0);
  g.clock.reference =
      g.reference_peer >= 0 ? g.peers[static_cast<std::size_t>(g.reference_peer)]->cfg.name : g.cfg.node;
  if (g.reference_peer < 0) {  // the reference: mesh time is this node's local time
    g.clock.is_reference = true;
    g.clock.locked = true;
    g.clock.estimated_error_ns = 0;
    g.mesh_time->publish(MeshTimeSegment{});
  }
  spdlog::info("mesh {}: control {} events {}, {} peers, clock reference {}, security {}", g.cfg.node, g.control_ep,
               g.events_ep, g.peers.size(),
               g.reference_peer >= 0 ? g.peers[static_cast<std::size_t>(g.reference_peer)]->cfg.name : g.cfg.node,
               sec.curve ? "curve (" + std::to_string(sec.authorized.size()) + " keys let in)"
                         : std::string("plain (no authentication)"));
  g.thread = std::thread([&g] {
    pthread_setname_np(pthread_self(), "cm.mesh");  // ps/top/perf show the gateway by name
    g.run();
  });
  return std::unique_ptr<MeshGateway>(new MeshGateway(std::move(impl)));
}

MeshGateway::~MeshGateway() { stop(); }

void MeshGateway::stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mutex);
  if (impl_->stopped) return;
  impl_->stopped = true;
  {
    std::lock_guard<std::mutex> mlock(impl_->mailbox->mutex);
    impl_->mailbox->closed = true;
  }
  impl_->stop_requested.store(true, std::memory_order_release);
  impl_->mailbox->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->close_sockets();
  spdlog::info("mesh {}: stopped", impl_->cfg.node);
}

void MeshGateway::publish(const std::string& topic, crowdmesh::v1::Envelope env) {
  Item item;
  item.kind = Item::Kind::kPublish;
  item.topic = topic;
  item.env = std::move(env);
  if (!impl_->mailbox->post(std::move(item))) bump(impl_->counters.publish_dropped);
}

void MeshGateway::publish_all(std::vector<std::pair<std::string, crowdmesh::v1::Envelope>> envelopes) {
  if (envelopes.empty()) return;
  std::vector<Item> batch(envelopes.size());
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    batch[i].kind = Item::Kind::kPublish;
    batch[i].topic = std::move(envelopes[i].first);
    batch[i].env = std::move(envelopes[i].second);
  }
  for (auto n = impl_->mailbox->post_all(std::move(batch)); n > 0; --n) bump(impl_->counters.publish_dropped);
}

std::vector<PeerState> MeshGateway::nodes() const { return impl_->snapshot(); }

GatewayStats MeshGateway::stats() const {
  const Counters& c = impl_->counters;
  GatewayStats s;
  s.commands_in = c.commands_in.load();
  s.replies_out = c.replies_out.load();
  s.forwarded = c.forwarded.load();
  s.malformed = c.malformed.load();
  s.too_large = c.too_large.load();
  s.version_mismatch = c.version_mismatch.load();
  s.unknown_payload = c.unknown_payload.load();
  s.unknown_node = c.unknown_node.load();
  s.timeouts = c.timeouts.load();
  s.not_alive = c.not_alive.load();
  s.unroutable = c.unroutable.load();
  s.late_replies = c.late_replies.load();
  s.handler_errors = c.handler_errors.load();
  s.published = c.published.load();
  s.publish_dropped = c.publish_dropped.load();
  s.clock_samples = c.clock_samples.load();
  s.probes_answered = c.probes_answered.load();
  s.handshakes_failed = c.handshakes_failed.load();
  s.unknown_keys = impl_->zap ? impl_->zap->stats().refused : 0;
  return s;
}

const char* MeshGateway::security_mode() const { return impl_->cfg.security.mode_name(); }
std::string MeshGateway::control_endpoint() const { return impl_->control_ep; }
std::string MeshGateway::events_endpoint() const { return impl_->events_ep; }
const std::string& MeshGateway::node() const { return impl_->cfg.node; }
std::int64_t MeshGateway::mesh_time_ns() const { return impl_->mesh_now(); }
std::int64_t MeshGateway::clock_offset_ns() const { return impl_->mesh_time->offset_ns(); }

bool MeshGateway::telemetry_watched() const { return impl_->telemetry_watched.load(std::memory_order_relaxed); }
MeshClockStats MeshGateway::clock_stats() const { return impl_->clock_stats(); }
std::shared_ptr<const MeshTimeSource> MeshGateway::mesh_time() const { return impl_->mesh_time; }

}  // namespace crowdmesh::mesh
