#include "node_assembly.hpp"

#include "command_router.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "doctor_service.hpp"
#include "tempo_events.hpp"

namespace crowdmesh::node {

using namespace std::chrono_literals;

// The PUB that carries this node's mix to remote encoders (none with --mesh off).
std::unique_ptr<mesh::AudioPublisher> start_audio_publisher(const NodeOptions& o, const NodeConfig& node,
                                                            RunSummary& summary) {
  if (!o.mesh) return nullptr;
  auto pub = mesh::AudioPublisher::start(node.endpoints.audio, node.name + "/mixer", 512, o.security.sockets);
  if (!pub) {
    spdlog::error("{}: remote encoders cannot take this node's mix", error_sentence(pub.error()));
    summary.errors.push_back(error_sentence(pub.error()));
    return nullptr;
  }
  spdlog::info("audio stream {}/master on {}", node.name, (*pub)->endpoint());
  return std::move(*pub);
}

// Stretch → mixer (with its master tap) → device. Real-pace devices render the
// mixer directly on their playout thread (a RenderPort); offline renders ask it.
void spawn_audio_path(caf::actor_system& sys, const NodeOptions& o, const MeshConfig& mesh_cfg, const NodeConfig& node,
                      const device::DeviceConfig& dev, const std::string& record_path, MeshClock& mesh_clock,
                      TelemetryPlane& telemetry, mesh::AudioPublisher* audio_pub, NodeActors& a) {
  stretch::StretchConfig scfg;
  scfg.source.device_rate_hz = dev.sample_rate_hz;
  scfg.source.device_channels = dev.channels;
  scfg.source.quality = o.quality;
  scfg.source.method = o.stretch_method;
  scfg.source.soundtouch = o.soundtouch;
  scfg.initial_bpm = o.tempo_bpm.value_or(mesh_cfg.movement_bpm.base_bpm);
  scfg.mesh_time_ns = [&mesh_clock] { return mesh_clock.now_ns(); };
  scfg.media_roots = o.media;
  spdlog::info("media: loads may come from {}", scfg.media_roots.describe());
  a.stretch = stretch::spawn_stretch_actor(sys, scfg);

  mixer::MixerActorConfig mcfg;
  mcfg.mixer.sample_rate_hz = dev.sample_rate_hz;
  mcfg.mixer.channels = dev.channels;
  mcfg.stretch = a.stretch;
  mcfg.offline = dev.backend == "virtual" && !dev.realtime;
  if (!mcfg.offline) mcfg.render_port = std::make_shared<mixer::RenderPort>();
  const bool telemetry_here = node.has_role("telemetry");
  const bool local_encoder = a.encoder_role && node.encoder.source.empty();
  if (audio_pub || telemetry_here || local_encoder) {
    auto stream = a.master_stream = std::make_shared<MasterStream>(node.name + "/master", audio_pub,
                                                                   local_encoder ? a.encoder_role->inbox() : nullptr,
                                                                   telemetry_here ? telemetry.master_meter() : nullptr);
    mcfg.tap = [stream](const AudioBlock& b, const std::string& title) { stream->on_block(b, title); };
    mcfg.tap_prompt = [stream] { return stream->wants_prompt_blocks(); };
  }
  a.mixer = mixer::spawn_mixer_actor(sys, mcfg);

  device::DeviceActorConfig dcfg;
  dcfg.device = dev;
  dcfg.mixer = a.mixer;
  dcfg.record_path = record_path;
  dcfg.total_frames = static_cast<std::uint64_t>(o.duration_seconds * dev.sample_rate_hz + 0.5);
  dcfg.mesh_time = mesh_clock.time_source();
  dcfg.render_port = mcfg.render_port;
  if (mcfg.render_port && o.mesh) {
    // The device renders through the stream role's playout, which renders the
    // mixer (and plays or sends a stream).
    StreamRoleConfig scfg;
    scfg.node = node.name;
    scfg.mesh = mesh_cfg;
    scfg.security = o.security;
    scfg.settings = node.stream;
    if (!o.play_stream.empty()) scfg.settings.play = o.play_stream;
    if (o.stream_latency_ms) scfg.settings.latency_ms = *o.stream_latency_ms;
    scfg.sample_rate_hz = dev.sample_rate_hz;
    scfg.channels = dev.channels;
    scfg.period_frames = dev.period_frames;
    scfg.mixer_port = mcfg.render_port;
    scfg.device_port = dcfg.render_port = std::make_shared<mixer::RenderPort>();
    scfg.on_event = [&mesh_clock, name = node.name](const std::string& kind, const std::string& text) {
      crowdmesh::v1::Envelope env;
      env.mutable_event()->set_kind(kind);
      env.mutable_event()->set_text(text);
      mesh_clock.publish("evt." + name + ".stream", std::move(env));
    };
    a.streams = StreamRole::start(std::move(scfg));
  }
  dcfg.node_name = node.name;
  dcfg.stats_view = a.device_view = std::make_shared<device::DeviceStatsView>();
  a.device = device::spawn_device_actor(sys, dcfg);
}

// The mesh side: the tempo actor (on the mesh's tempo node; every room's
// stretch actor applies its tempo at the mesh time stamped on it), the
// command router and the control plane (gateway, OSC).
void start_mesh_side(caf::actor_system& sys, caf::scoped_actor& self, const NodeOptions& o, const MeshConfig& mesh_cfg,
                     const NodeConfig& node, const device::DeviceConfig& dev, MeshClock& mesh_clock,
                     TelemetryPlane& telemetry, RunSummary& summary, NodeActors& a) {
  if (!o.mesh) return;
  const bool tempo_here = node.has_role("tempo") && (mesh_cfg.tempo_node.empty() || mesh_cfg.tempo_node == node.name);
  if (tempo_here) {
    tempo::TempoActorConfig tcfg;
    tcfg.settings = mesh_cfg.movement_bpm;
    tcfg.mesh_time_ns = [&mesh_clock] { return mesh_clock.now_ns(); };
    // The once-a-second republish of a settled tempo is for peers that join
    // late; this room's stretch actor already has it (one wake-up less a second).
    tcfg.publish = [stretch = a.stretch, &mesh_clock, name = node.name, sent_bpm = -1.0](double bpm,
                                                                                         std::int64_t at_ns) mutable {
      if (bpm != sent_bpm) caf::anon_send(stretch, tempo_atom_v, bpm, at_ns);
      sent_bpm = bpm;
      mesh_clock.publish("evt." + name + ".tempo", tempo_event(bpm, at_ns));
    };
    a.tempo = tempo::spawn_tempo_actor(sys, tcfg);
    if (o.tempo_bpm)
      self->request(a.tempo, 2s, tempo_atom_v, *o.tempo_bpm, 0.0)
          .receive([](tempo::TempoReport&) {}, [&](caf::error& e) { summary.errors.push_back(error_sentence(e)); });
  }
  auto doctor =
      std::make_shared<DoctorService>(dev.sample_rate_hz, dev.backend + (dev.device.empty() ? "" : " " + dev.device));
  RouterConfig rcfg;
  rcfg.held_refused = a.held_refused;
  rcfg.node = node.name;
  rcfg.mixer = a.mixer;
  rcfg.device = a.device;
  rcfg.mesh_time_ns = [&mesh_clock] { return mesh_clock.now_ns(); };
  rcfg.tempo = a.tempo;
  rcfg.stretch = a.stretch;
  rcfg.tempo_node = mesh_cfg.tempo_node;
  rcfg.media_roots = o.media;
  rcfg.diagnostics = node.diagnostics || o.diagnostics;
  rcfg.telemetry = [&telemetry, &a] { return telemetry.snapshot(a.control.get()); };
  rcfg.doctor = [doctor](const crowdmesh::v1::RunDoctor& req, ReplyFn reply) { doctor->run(req, std::move(reply)); };
  if (a.streams)
    rcfg.streams = [streams = a.streams.get()](const crowdmesh::v1::Command& c, ReplyFn reply) {
      streams->handle(c, std::move(reply));
    };
  a.router = spawn_command_router(sys, rcfg);
  a.control = ControlPlane::start(mesh_cfg, node, o.security, a.router, mesh_clock, summary.errors,
                                  [stretch = a.stretch, &telemetry](const crowdmesh::v1::Envelope& env) {
                                    if (!telemetry.on_peer_event(env)) forward_tempo_event(stretch, env);
                                  });
}

void start_telemetry(caf::actor_system& sys, const MeshConfig& mesh_cfg, const NodeConfig& node,
                     const device::DeviceConfig& dev, MeshClock& mesh_clock, TelemetryPlane& telemetry,
                     RunSummary& summary, NodeActors& a) {
  if (auto ok = telemetry.start_metrics(); !ok) {
    spdlog::error("{}", error_sentence(ok.error()));
    summary.errors.push_back(error_sentence(ok.error()));
  }
  if (!node.has_role("telemetry")) return;
  telemetry::TelemetryActorConfig tcfg;
  tcfg.device = a.device;
  tcfg.device_view = a.device_view;
  tcfg.backend = dev.backend;
  tcfg.mixer = a.mixer;
  tcfg.tempo = a.tempo;
  tcfg.tempo_node = mesh_cfg.tempo_node.empty() ? node.name : mesh_cfg.tempo_node;
  if (a.encoder_role) tcfg.encoder = a.encoder_role->actor();
  auto add_links = [streams = a.streams.get(), control = a.control.get(),
                    held = a.held_refused](crowdmesh::v1::LinkStats& s) {
    if (streams) streams->fill_links(s);
    s.set_held_refused(held->load(std::memory_order_relaxed));
    if (control && control->osc()) {
      const auto osc = control->osc()->stats();
      s.set_osc_refused_busy(osc.refused_busy);
      s.set_osc_replies_limited(osc.replies_limited);
    }
  };
  telemetry.start_actor(sys, tcfg, mesh_clock, a.control.get(), std::move(add_links));
}

// Stops what publishes through the gateway first (telemetry, tempo), then the
// gateway, then every other actor.
void shutdown(caf::scoped_actor& self, TelemetryPlane& telemetry, NodeActors& a) {
  telemetry.stop(self);
  if (a.tempo) {
    self->send_exit(a.tempo, caf::exit_reason::user_shutdown);
    self->wait_for(a.tempo);
  }
  if (a.control) a.control->stop();
  for (auto actor : {caf::actor_cast<caf::actor>(a.device), caf::actor_cast<caf::actor>(a.mixer),
                     caf::actor_cast<caf::actor>(a.stretch), a.router})
    if (actor) self->send_exit(actor, caf::exit_reason::user_shutdown);
  if (a.streams) a.streams->stop();  // detaches from the device port first: the playout renders silence after
}

// After the device stopped: the mixer's last state, the last blocks to the
// stream and the local encoder, whose outputs are closed.
void finish_run(caf::scoped_actor& self, NodeActors& a, RunSummary& summary) {
  self->request(a.mixer, 2s, status_atom_v)
      .receive([&](mixer::MixerStatus& s) { summary.mixer = s; }, [](caf::error&) {});
  if (a.master_stream) {
    self->request(a.mixer, 2s, finish_atom_v).receive([](bool) {}, [](caf::error&) {});
    a.master_stream->flush();
  }
  if (a.encoder_role) {
    summary.encoder = a.encoder_role->stop(self);
    for (const auto& out : summary.encoder->outputs)
      if (!out.last_error.empty()) summary.errors.push_back(out.last_error);
  }
}

}  // namespace crowdmesh::node
