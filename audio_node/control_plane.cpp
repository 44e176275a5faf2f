#include "control_plane.hpp"
#include "common/local_clock.hpp"

#include <ctime>

#include "caf/all.hpp"
#include "command_router.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/schedule_range.hpp"

namespace crowdmesh::node {

namespace {

namespace v1 = crowdmesh::v1;

// Sends the OSC message's prelude commands one after the other, then the
// command itself; the OSC reply is the last answer (or the first error).
void dispatch_osc(caf::actor router, std::string node, MeshClock* clock, osc::MappedMessage msg,
                  osc::OscBridge::Reply reply, std::size_t step) {
  const bool last = step >= msg.prelude.size();
  auto env = std::make_shared<v1::Envelope>();
  env->set_protocol_version(1);
  env->set_source(node + "/osc");
  env->set_target(node + "/" + msg.actor);
  env->set_send_time_ns(clock->now_ns());
  *env->mutable_command() = last ? msg.command : msg.prelude[step];
  if (last && msg.delay_seconds && *msg.delay_seconds > 0)
    env->set_execute_at_ns(schedule::at_ns_after(clock->now_ns(), *msg.delay_seconds));
  ReplyFn on_reply = [=](v1::Reply r) {
    if (r.has_error()) return reply(false, r.error().message());
    if (!last) return dispatch_osc(router, node, clock, msg, reply, step + 1);
    reply(true, r.ok().message().empty() ? "ok" : r.ok().message());
  };
  caf::anon_send(router, NodeRequest{std::move(env), std::move(on_reply)});
}

}  // namespace

void MeshClock::publish(const std::string& topic, v1::Envelope env) {
  if (auto* g = gateway_.load()) g->publish(topic, std::move(env));
}

void MeshClock::publish_all(std::vector<std::pair<std::string, v1::Envelope>> envelopes) {
  if (auto* g = gateway_.load()) g->publish_all(std::move(envelopes));
}

std::int64_t MeshClock::now_ns() const {
  if (auto* g = gateway_.load()) return g->mesh_time_ns();
  return time_->now_ns();
}

mesh::GatewayConfig gateway_config(const MeshConfig& mesh, const NodeConfig& self, const NodeSecurity& security) {
  mesh::GatewayConfig g;
  g.node = self.name;
  g.roles = self.roles;
  g.control_bind = self.endpoints.control;
  g.events_bind = self.endpoints.events;
  g.clock_reference = mesh.clock_reference;
  g.max_message_bytes = mesh.max_message_bytes;
  g.request_timeout = std::chrono::milliseconds(mesh.request_timeout_ms);
  g.heartbeat_interval = std::chrono::milliseconds(mesh.heartbeat_interval_ms);
  g.liveness = mesh.liveness;
  for (const auto& n : mesh.nodes)
    if (n.name != self.name) g.peers.push_back({n.name, n.endpoints.control, n.endpoints.events, n.roles, n.public_key});
  g.security = security.sockets;
  return g;
}

std::unique_ptr<ControlPlane> ControlPlane::start(const MeshConfig& mesh, const NodeConfig& self,
                                                  const NodeSecurity& security, caf::actor router,
                                                  MeshClock& clock, std::vector<std::string>& errors,
                                                  std::function<void(const v1::Envelope&)> on_event) {
  std::unique_ptr<ControlPlane> cp(new ControlPlane());
  cp->clock_ = &clock;
  auto handler = [router](const v1::Envelope& env, mesh::Responder respond) {
    caf::anon_send(router, NodeRequest{std::make_shared<const v1::Envelope>(env), std::move(respond)});
  };
  mesh::EventHandler events;
  if (on_event) events = [on_event](const std::string&, const v1::Envelope& env) { on_event(env); };
  auto gcfg = gateway_config(mesh, self, security);
  gcfg.mesh_time = clock.time_source();  // the device's playout thread reads the same function
  auto gw = mesh::MeshGateway::start(gcfg, handler, events);
  if (gw) {
    cp->gateway_ = std::move(*gw);
    clock.attach(cp->gateway_.get());
  } else {
    errors.push_back("mesh: " + error_sentence(gw.error()));
    spdlog::error("mesh: {} — this node plays on without remote control", error_sentence(gw.error()));
  }
  if (self.osc.enabled && self.has_role("osc")) {
    osc::OscBridgeConfig ocfg;
    ocfg.ports = self.osc.ports;
    ocfg.bind = self.osc.bind;
    const std::string node = self.name;
    MeshClock* clk = &clock;
    auto bridge = osc::OscBridge::start(ocfg, [router, node, clk](osc::MappedMessage m, osc::OscBridge::Reply r) {
      dispatch_osc(router, node, clk, std::move(m), std::move(r), 0);
    });
    if (bridge) {
      cp->osc_ = std::move(*bridge);
    } else {
      cp->osc_failure_ = "osc: " + error_sentence(bridge.error()) +
                         " (another process may hold the port; to run without OSC set enabled = false in [nodes." +
                         self.name + ".osc], or start audio_node with --osc off or --osc OTHER_PORT)";
      errors.push_back(cp->osc_failure_);
      spdlog::critical("{}", cp->osc_failure_);
    }
  }
  return cp;
}

ControlPlane::~ControlPlane() { stop(); }

void ControlPlane::stop() {
  if (osc_) osc_->stop();
  if (gateway_) {
    if (clock_) clock_->attach(nullptr);
    gateway_->stop();
  }
}

}  // namespace crowdmesh::node
