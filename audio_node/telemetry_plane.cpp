#include "telemetry_plane.hpp"

#include "caf/all.hpp"
#include "mesh/monotonic_clock.hpp"
#include "spdlog/spdlog.h"
#include "telemetry/prometheus_export.hpp"

namespace crowdmesh::node {

namespace v1 = crowdmesh::v1;

namespace {

v1::LinkStats link_stats(mesh::MeshGateway& g) {
  v1::LinkStats s;
  for (const auto& p : g.nodes()) {
    if (p.self) continue;
    auto* l = s.add_links();
    l->set_node(p.name);
    l->set_alive(p.alive);
    l->set_rtt_ms(p.clock_rtt_ms);
    l->set_clock_offset_ns(p.clock_offset_ns);
    l->set_last_heard_age_ms(p.last_heard_age_ms);
  }
  const auto st = g.stats();
  s.set_clock_offset_ns(g.clock_offset_ns());
  s.set_forwarded(st.forwarded);
  s.set_timeouts(st.timeouts);
  s.set_publish_dropped(st.publish_dropped);
  s.set_connections_refused(st.handshakes_failed);
  s.set_unknown_keys(st.unknown_keys);
  s.set_security(g.security_mode());
  return s;
}

v1::ClockStats clock_stats(const mesh::MeshGateway& g) {
  const mesh::MeshClockStats c = g.clock_stats();
  v1::ClockStats s;
  s.set_offset_ns(c.offset_ns);
  s.set_drift_ppm(c.skew_ppm);
  s.set_round_trip_ns(c.rtt_ns);
  s.set_reference_node(c.reference);
  s.set_estimated_error_ns(c.estimated_error_ns);
  s.set_steps(c.steps);
  s.set_relocks(c.relocks);
  s.set_locked(c.locked);
  s.set_probes_used(static_cast<std::uint32_t>(c.probes_used));
  s.set_probes_rejected(c.probes_rejected);
  s.set_min_round_trip_ns(c.min_rtt_ns);
  return s;
}

}  // namespace

TelemetryPlane::TelemetryPlane(TelemetrySettings settings)
    : settings_(std::move(settings)),
      meter_(std::make_shared<telemetry::MasterMeter>()),
      store_(std::make_unique<telemetry::TelemetryStore>(settings_.interval_ms)) {}

TelemetryPlane::~TelemetryPlane() { server_.reset(); }

caf::expected<void> TelemetryPlane::start_metrics() {
  if (settings_.metrics_port == 0) return caf::unit;
  auto* store = store_.get();
  auto node = settings_.node;
  auto server = telemetry::MetricsServer::start(settings_.metrics_bind, settings_.metrics_port, [store, node] {
    return telemetry::render_node_metrics(node, store->samples_of(node));
  });
  if (!server) return server.error();
  server_ = std::move(*server);
  spdlog::info("Prometheus metrics on http://{}:{}/metrics", settings_.metrics_bind, server_->port());
  return caf::unit;
}

void TelemetryPlane::start_actor(caf::actor_system& sys, telemetry::TelemetryActorConfig cfg, MeshClock& clock,
                                 ControlPlane* control, std::function<void(v1::LinkStats&)> add_streams) {
  cfg.node = settings_.node;
  cfg.interval = std::chrono::milliseconds(settings_.interval_ms);
  cfg.idle_interval = std::chrono::milliseconds(settings_.idle_interval_ms);
  cfg.master_meter = meter_;
  cfg.mesh_time_ns = [&clock] { return clock.now_ns(); };
  if (control && control->gateway()) {
    auto* g = control->gateway();
    cfg.links = [g, add_streams] {
      auto s = link_stats(*g);
      if (add_streams) add_streams(s);
      return s;
    };
    cfg.clock = [g] { return clock_stats(*g); };
    cfg.watched = [g] { return g->telemetry_watched(); };
  }
  auto* store = store_.get();
  const std::string source = settings_.node + "/telemetry";
  cfg.publish = [store, &clock, source](telemetry::TelemetryBatch& samples) {
    std::vector<std::pair<std::string, v1::Envelope>> envelopes;
    envelopes.reserve(samples.size());
    const auto now = mesh::monotonic_now_ns();
    for (auto& s : samples) {
      store->put(s.sample, now);
      v1::Envelope env;
      env.set_source(source);
      *env.mutable_telemetry() = std::move(s.sample);
      envelopes.emplace_back(std::move(s.topic), std::move(env));
    }
    clock.publish_all(std::move(envelopes));
  };
  actor_ = telemetry::spawn_telemetry_actor(sys, std::move(cfg));
}

void TelemetryPlane::stop(caf::scoped_actor& self) {
  if (actor_) {
    self->send_exit(actor_, caf::exit_reason::user_shutdown);
    self->wait_for(actor_);
    actor_ = telemetry::TelemetryActor{};
  }
  server_.reset();
}

bool TelemetryPlane::on_peer_event(const v1::Envelope& env) {
  if (!env.has_telemetry()) return false;
  store_->put(env.telemetry(), mesh::monotonic_now_ns());
  return true;
}

v1::TelemetrySnapshot TelemetryPlane::snapshot(ControlPlane* control) const {
  std::vector<mesh::PeerState> nodes;
  if (control && control->gateway()) nodes = control->gateway()->nodes();
  auto snap = store_->snapshot(nodes, mesh::monotonic_now_ns());
  const auto st = store_->stats();
  snap.set_store_entries(static_cast<std::uint32_t>(st.entries));
  snap.set_store_evicted(st.evicted);
  snap.set_store_oversize(st.oversize);
  return snap;
}

}  // namespace crowdmesh::node
