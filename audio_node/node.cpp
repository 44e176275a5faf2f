#include "node.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <optional>

#include <sys/resource.h>
#include <cmath>
#include <fstream>
#include <thread>
#include <iostream>

#include "caf/all.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "device/device_actor.hpp"
#include "device/device_list.hpp"
#include "mixer/mixer_actor.hpp"
#include "command_router.hpp"
#include "common/mesh_config.hpp"
#include "stretch/media_roots.hpp"
#include "control_plane.hpp"
#include "run_summary.hpp"
#include "stretch/stretch_actor.hpp"
#include "tempo/bpm_config_json.hpp"
#include "tempo/tempo_actor.hpp"
#include "tempo_events.hpp"
#include "encoder/preset.hpp"
#include "encoder_role.hpp"
#include "master_stream.hpp"
#include "doctor_service.hpp"
#include "actor_system_setup.hpp"
#include "memory_lock.hpp"
#include "service_notifier.hpp"
#include "stop_signals.hpp"
#include "telemetry_plane.hpp"
#include "mesh/audio_publisher.hpp"
#include "node_assembly.hpp"

namespace crowdmesh::node {

namespace {

using namespace std::chrono_literals;
// Resolves "auto": PortAudio when it has a default output device, else the
// virtual device recording to a WAV (said in the log, with the path).
device::DeviceConfig choose_device(const NodeOptions& o, std::string& record_path) {
  auto dev = o.device;
  record_path = o.record_path;
  if (o.backend != "auto") {
    dev.backend = o.backend;
    return dev;
  }
  dev.backend = "portaudio";
  auto list = device::list_devices();
  bool have_output = false;
  if (list)
    for (const auto& d : *list)
      have_output = have_output || (o.device.device.empty() ? d.is_default_output : d.max_output_channels > 0);
  if (!have_output) {
    dev.backend = "virtual";
    if (record_path.empty())
      record_path = std::filesystem::absolute(o.fallback_record_path).lexically_normal().string();
    spdlog::warn("no sound device found ({}): using the virtual device; the mix is written to {}",
                 list ? "PortAudio lists no output" : error_sentence(list.error()), record_path);
  }
  return dev;
}

// The node this process is: from --config/--name, or the one-node default.
caf::expected<NodeConfig> resolve_node(const NodeOptions& o, MeshConfig& mesh) {
  if (!o.config_path.empty()) {
    auto m = load_mesh_config(o.config_path);
    if (!m) return m.error();
    mesh = std::move(*m);
  } else {
    mesh = default_mesh_config();
    if (!o.node_name.empty()) {
      mesh.nodes.front().name = o.node_name;
      mesh.clock_reference = o.node_name;
    }
  }
  std::string names;
  for (const auto& n : mesh.nodes) names += (names.empty() ? "" : ", ") + n.name;
  const NodeConfig* self = nullptr;
  if (!o.node_name.empty())
    self = mesh.find(o.node_name);
  else if (mesh.nodes.size() == 1)
    self = &mesh.nodes.front();
  if (!self) {
    if (o.node_name.empty())
      return make_error(errc::value_out_of_range, "--name is required: " + mesh.origin + " has nodes " + names);
    return make_error(errc::value_out_of_range,
                      "node '" + o.node_name + "' is not in " + mesh.origin + " (nodes: " + names + ")");
  }
  NodeConfig node = *self;
  if (!o.control_bind.empty()) node.endpoints.control = o.control_bind;
  if (!o.events_bind.empty()) node.endpoints.events = o.events_bind;
  if (!o.audio_bind.empty()) node.endpoints.audio = o.audio_bind;
  if (o.roles) node.roles = *o.roles;
  if (o.osc_off) node.osc.enabled = false;
  if (!o.osc_ports.empty()) node.osc.ports = o.osc_ports;
  if (!o.encode.empty()) node.encoder.outputs = o.encode;
  if (o.audio_source) node.encoder.source = *o.audio_source;
  if (o.audio_stream) node.encoder.stream = *o.audio_stream;
  if (!node.encoder.outputs.empty() && !node.has_role("encoder")) node.roles.push_back("encoder");
  return node;
}

// The config file's device settings, unless the command line said otherwise.
NodeOptions with_node_device(NodeOptions o, const NodeConfig& node, bool from_file) {
  if (!from_file) return o;
  auto given = [&](const char* opt) { return o.explicit_options.count(opt) > 0; };
  if (!given("--backend")) o.backend = node.device.backend;
  if (!given("--device")) o.device.device = node.device.device;
  if (!given("--sample-rate")) o.device.sample_rate_hz = node.device.sample_rate_hz;
  if (!given("--buffer-size")) o.device.period_frames = node.device.buffer_frames;
  if (!given("--target-periods")) o.device.target_periods = node.device.target_periods;
  if (!given("--channels")) o.device.channels = node.device.channels;
  o.backend_explicit = given("--backend") || node.device.backend != "auto";
  return o;
}

void apply_settings(caf::scoped_actor& self, const mixer::MixerActor& mixer, const NodeOptions& o,
                    std::vector<std::string>& errors) {
  auto report = [&](const caf::error& e) {
    spdlog::error("{}", error_sentence(e));
    errors.push_back(error_sentence(e));
  };
  for (const auto& g : o.gains) {
    double db = 0;
    try {
      db = std::stod(g.value);
    } catch (...) {
      report(make_error(errc::value_out_of_range, "deck " + g.deck + " gain '" + g.value + "' is not a number of dB"));
      continue;
    }
    auto d = deck_named(g.deck);
    if (!d) {
      report(d.error());
      continue;
    }
    self->request(mixer, 2s, gain_atom_v, *d, db, 0.0).receive([](mixer::DeckStatus&) {}, report);
  }
  for (const auto& e : o.eqs) {
    double v[3];
    if (std::sscanf(e.value.c_str(), "%lf,%lf,%lf", &v[0], &v[1], &v[2]) != 3) {
      report(
          make_error(errc::value_out_of_range, "deck " + e.deck + " EQ '" + e.value + "' must be LOW,MID,HIGH in dB"));
      continue;
    }
    auto d = deck_named(e.deck);
    if (!d) {
      report(d.error());
      continue;
    }
    const dsp::EqBand bands[3] = {dsp::EqBand::low, dsp::EqBand::mid, dsp::EqBand::high};
    for (int i = 0; i < 3; ++i)
      self->request(mixer, 2s, eq_atom_v, *d, bands[i], v[i]).receive([](mixer::DeckStatus&) {}, report);
  }
  if (o.master_gain_db) self->request(mixer, 2s, master_atom_v, *o.master_gain_db, 0.0).receive([](double) {}, report);
}

// Host part of a tcp:// endpoint ("tcp://10.0.0.11:7700" → "10.0.0.11"); 127.0.0.1 otherwise.
std::string endpoint_host(const std::string& ep) {
  const auto a = ep.find("://");
  const auto b = ep.rfind(':');
  if (ep.rfind("tcp://", 0) != 0 || a == std::string::npos || b <= a + 3) return "127.0.0.1";
  std::string h = ep.substr(a + 3, b - a - 3);
  return h == "*" ? "0.0.0.0" : h;
}

TelemetrySettings telemetry_settings(const NodeOptions& o, const NodeConfig& node) {
  TelemetrySettings t;
  t.node = node.name;
  t.interval_ms = o.telemetry_interval_ms;
  t.idle_interval_ms = o.telemetry_idle_interval_ms;
  t.metrics_port = o.metrics_port;
  t.metrics_bind = o.metrics_bind.empty() ? endpoint_host(node.endpoints.control) : o.metrics_bind;
  return t;
}

void write_summary(const NodeOptions& o, RunSummary& summary) {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  summary.max_rss_kib = static_cast<std::uint64_t>(usage.ru_maxrss);
  if (!o.summary_json_path.empty()) {
    std::ofstream out(o.summary_json_path);
    out << to_json(summary) << "\n";
    if (!out) spdlog::error("cannot write the summary to {}", o.summary_json_path);
  }
  std::cout << to_line(summary) << std::endl;
}

// A node without device or mixer: only encodes another node's stream.
int run_encoder_node(const NodeOptions& o, const MeshConfig& mesh, const NodeConfig& node) {
  if (node.encoder.outputs.empty()) {
    std::cerr << "audio_node: node " << node.name
              << " has no device or mixer role and nothing to encode: give --encode PRESET:SINK\n";
    return 2;
  }
  const std::string source = resolve_audio_source(mesh, node.encoder.source);
  if (source.empty()) {
    std::cerr << "audio_node: an encoder-only node needs --source: a node name of the mesh config or the "
                 "audio endpoint of the node to encode (e.g. tcp://10.0.0.11:7702)\n";
    return 2;
  }
  RunSummary summary;
  summary.played = false;
  TelemetryPlane telemetry(telemetry_settings(o, node));
  MeshClock mesh_clock;
  caf::actor_system_config cfg;
  configure_actor_system(cfg);
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto key = audio_source_key(mesh, o.security, source);
  if (!key) {
    std::cerr << "audio_node: " << error_sentence(key.error()) << "\n";
    return 2;
  }
  auto role = EncoderRole::start(sys, node.encoder.outputs, source, node.encoder.stream, 2.0, o.security.sockets, *key);
  if (!role) {
    std::cerr << "audio_node: " << error_sentence(role.error()) << "\n";
    return 2;
  }
  caf::actor router;
  std::unique_ptr<ControlPlane> control;
  if (o.mesh) {
    RouterConfig rcfg;
    rcfg.node = node.name;
    rcfg.mesh_time_ns = [&mesh_clock] { return mesh_clock.now_ns(); };
    rcfg.tempo_node = mesh.tempo_node;
    rcfg.telemetry = [&telemetry, &control] { return telemetry.snapshot(control.get()); };
    router = spawn_command_router(sys, rcfg);
    control = ControlPlane::start(mesh, node, o.security, router, mesh_clock, summary.errors,
                                  [&telemetry](const crowdmesh::v1::Envelope& env) { telemetry.on_peer_event(env); });
  }
  if (control && !control->osc_failure().empty()) {
    std::cerr << "audio_node: " << control->osc_failure() << "\n";
    control->stop();
    (*role)->stop(self);
    return 2;
  }
  if (auto ok = telemetry.start_metrics(); !ok) summary.errors.push_back(error_sentence(ok.error()));
  if (node.has_role("telemetry")) {
    telemetry::TelemetryActorConfig tcfg;
    tcfg.encoder = (*role)->actor();
    telemetry.start_actor(sys, tcfg, mesh_clock, control.get());
  }
  install_stop_handlers();
  ServiceNotifier service;
  service.ready("encoding " + source);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  // Sleeps until a stop, the end of --duration or the next watchdog ping,
  // whichever comes first: the encoders run on their own threads, so the loop
  // itself is the liveness.
  for (std::uint64_t loops = 1; !stop_requested(); ++loops) {
    auto wait = std::chrono::milliseconds(std::chrono::hours(24));
    if (o.duration_seconds > 0) {
      const double left = o.duration_seconds - elapsed();
      if (left <= 0) break;
      wait = std::chrono::milliseconds(static_cast<long long>(std::ceil(left * 1000)));
    }
    if (service.ping_interval().count() > 0)
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(service.ping_interval() / 2));
    if (wait_for_stop(wait)) break;
    service.alive_if_playing(loops);
  }
  service.stopping();
  spdlog::info(stop_requested() ? "stop requested: finishing the encoder outputs"
                                : "duration reached: finishing the encoder outputs");
  summary.seconds = elapsed();
  summary.encoder = (*role)->stop(self);
  for (const auto& out : summary.encoder->outputs)
    if (!out.last_error.empty()) summary.errors.push_back(out.last_error);
  telemetry.stop(self);
  if (control) control->stop();
  if (router) self->send_exit(router, caf::exit_reason::user_shutdown);
  write_summary(o, summary);
  return 0;
}

// Loads every track of --a/--b/--track at once; each reply says ready or why
// not (the reasons go to summary.errors). A deck named again gets the next
// buffer id (stems of one deck). Returns the decks with at least one buffer.
std::vector<std::string> load_tracks(caf::scoped_actor& self, const mixer::MixerActor& mixer, const NodeOptions& o,
                                     RunSummary& summary) {
  std::vector<std::string> loaded_decks;
  std::map<std::string, std::uint32_t> next_buffer;
  for (const auto& t : o.tracks) {
    auto d = deck_named(t.deck);
    if (!d) {
      spdlog::error("deck {}: {}", t.deck, error_sentence(d.error()));
      summary.errors.push_back("deck " + t.deck + ": " + error_sentence(d.error()));
      continue;
    }
    self->request(mixer, 30s, load_atom_v, *d, ++next_buffer[t.deck], t.path, o.loop, o.native_bpm)
        .receive(
            [&](mixer::BufferStatus& b) {
              if (std::find(loaded_decks.begin(), loaded_decks.end(), t.deck) == loaded_decks.end())
                loaded_decks.push_back(t.deck);
              spdlog::info("deck {}: {} ({} {} Hz {} ch, {:.1f} s)", t.deck, b.info.path, b.info.format,
                           b.info.file_rate_hz, b.info.file_channels, b.info.duration_seconds);
            },
            [&](caf::error& e) {
              spdlog::error("deck {}: {}", t.deck, error_sentence(e));
              summary.errors.push_back("deck " + t.deck + ": " + error_sentence(e));
            });
  }
  return loaded_decks;
}

// Starts the loaded decks together (the mixer waits up to --start-timeout for
// decks still loading and names those it could not start).
void start_loaded_decks(caf::scoped_actor& self, const mixer::MixerActor& mixer, const NodeOptions& o,
                        const std::vector<std::string>& loaded_decks, RunSummary& summary) {
  if (!loaded_decks.empty())
    self->request(mixer, std::chrono::milliseconds(static_cast<long long>((o.start_timeout_seconds + 5) * 1000)),
                  start_atom_v, loaded_decks, o.start_timeout_seconds)
        .receive(
            [&](mixer::StartReport& r) {
              summary.not_ready = r.not_ready;
              for (const auto& n : r.not_ready) spdlog::warn("not started: {}", n);
            },
            [&](caf::error& e) { summary.errors.push_back(error_sentence(e)); });
}

// Waits for the device's end of run (--duration, a stop request, or every
// track of a one-off run ended), keeping the service watchdog fed meanwhile.
// A node waits for messages only: a stop signal arrives as a message (from a
// StopForwarder), and the loop wakes on a timer only to feed the watchdog or,
// in a one-off run, to see whether every track ended.
void play_until_done(caf::scoped_actor& self, const device::DeviceActor& device, const mixer::MixerActor& mixer,
                     const NodeOptions& o, ServiceNotifier& service, RunSummary& summary) {
  bool done = false, stop_sent = false;
  // A node of a configured mesh waits for commands; a one-off run ends with its tracks.
  const bool stop_when_idle = o.duration_seconds <= 0 && !o.tracks.empty() && o.config_path.empty();
  auto look_every = std::chrono::milliseconds(0);  // 0: no timer
  if (stop_when_idle) look_every = 200ms;
  if (service.ping_interval().count() > 0) {
    const auto ping = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(service.ping_interval() / 2), 1ms);
    look_every = look_every.count() > 0 ? std::min(look_every, ping) : ping;
  }
  StopForwarder forwarder([handle = caf::actor_cast<caf::actor>(self)] { caf::anon_send(handle, stop_atom_v); });
  auto stop = [&](const char* why) {
    if (stop_sent) return;
    spdlog::info("{}: stopping", why);
    service.stopping();
    self->send(device, stop_atom_v);
    stop_sent = true;
  };
  auto look = [&] {
    if (stop_sent) return;
    if (service.ping_interval().count() > 0)
      self->request(device, 1s, stats_atom_v)
          .receive([&](device::DeviceStats& st) { service.alive_if_playing(st.frames_played); }, [](caf::error&) {});
    bool idle = false;
    if (stop_when_idle)
      self->request(mixer, 2s, status_atom_v)
          .receive(
              [&](mixer::MixerStatus& s) {
                idle = true;
                for (const auto& d : s.decks)
                  for (const auto& b : d.buffers)
                    if (b.state == mixer::BufferState::playing) idle = false;
              },
              [](caf::error&) {});
    if (idle) stop("every track ended");
  };
  while (!done) {
    auto on_report = [&](device::DeviceRunReport& r) {
      summary.device = r;
      done = true;
    };
    auto on_error = [&](caf::error& e) {
      summary.errors.push_back(error_sentence(e));
      done = true;
    };
    auto on_stop = [&](stop_atom) { stop("stop requested"); };
    if (look_every.count() > 0)
      self->receive(on_report, on_error, on_stop, caf::after(look_every) >> look);
    else
      self->receive(on_report, on_error, on_stop);
  }
}

// The steps before any actor: the node's config, the test clock, the movement
// table, and the listing options. Returns an exit status when the run ends here.
std::optional<int> prepare(const NodeOptions& options, MeshConfig& mesh_cfg, NodeConfig& node, NodeOptions& o) {
  auto self_node = resolve_node(options, mesh_cfg);
  if (!self_node) {
    std::cerr << "audio_node: " << error_sentence(self_node.error()) << "\n";
    return 2;
  }
  node = *self_node;
  o = with_node_device(options, node, !options.config_path.empty());
  if (o.test_clock.offset_ns != 0 || o.test_clock.skew_ppm != 0.0) {
    // Before any thread reads the local clock (see inject_local_clock_error).
    inject_local_clock_error(o.test_clock);
    spdlog::warn("local clock deliberately off by {} us and {} ppm (--test-clock-*: tests only)",
                 static_cast<double>(o.test_clock.offset_ns) / 1e3, o.test_clock.skew_ppm);
  }
  for (const auto& r : o.media_roots) mesh_cfg.media_roots.push_back(r);
  auto roots = stretch::MediaRoots::make(mesh_cfg.media_roots);
  if (!roots) {
    std::cerr << "audio_node: " << error_sentence(roots.error()) << " ([media] roots, --media-root)\n";
    return 2;
  }
  o.media = std::move(*roots);
  if (o.mesh) {
    auto security = node_security(mesh_cfg, node);
    if (!security) {
      std::cerr << "audio_node: " << error_sentence(security.error()) << "\n";
      return 2;
    }
    o.security = std::move(*security);
    log_security(o.security, node);
  }
  if (!o.bpm_config_path.empty()) {
    auto table = tempo::load_bpm_config_json(o.bpm_config_path);
    if (!table) {
      std::cerr << "audio_node: " << error_sentence(table.error()) << "\n";
      return 2;
    }
    mesh_cfg.movement_bpm = *table;
  }
  if (o.list_presets) {
    std::cout << encoder::describe_presets();
    return 0;
  }
  if (o.list_devices) {
    auto list = device::list_devices();
    if (!list) {
      std::cerr << "audio_node: " << error_sentence(list.error()) << "\n";
      return 1;
    }
    std::cout << device::format_device_list(*list);
    return 0;
  }
  return std::nullopt;
}

}  // namespace

int run_node(const NodeOptions& options) {
  init_logging(options.log_level);
  MeshConfig mesh_cfg;
  NodeConfig node;
  NodeOptions o;
  if (auto exit_status = prepare(options, mesh_cfg, node, o)) return *exit_status;
  if (!node.has_role("device") && !node.has_role("mixer")) return run_encoder_node(o, mesh_cfg, node);

  std::string record_path;
  auto dev = choose_device(o, record_path);
  if (auto ok = device::validate(dev); !ok) {
    std::cerr << "audio_node: " << error_sentence(ok.error()) << "\n";
    return 2;
  }
  if (const auto refused = lock_memory(); !refused.empty()) spdlog::warn("{}", refused);

  RunSummary summary;
  // Telemetry (store, meter, /metrics) and the audio PUB outlive the actor
  // system that feeds them (the mixer's tap may publish until the end).
  TelemetryPlane telemetry(telemetry_settings(o, node));
  auto audio_pub = start_audio_publisher(o, node, summary);

  caf::actor_system_config cfg;
  configure_actor_system(cfg);
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  NodeActors a;
  if (node.has_role("encoder") && !node.encoder.outputs.empty()) {
    const bool offline = dev.backend == "virtual" && !dev.realtime;
    const std::string source = resolve_audio_source(mesh_cfg, node.encoder.source);
    auto key = audio_source_key(mesh_cfg, o.security, source);
    if (!key) {
      std::cerr << "audio_node: " << error_sentence(key.error()) << "\n";
      return 2;
    }
    auto role = EncoderRole::start(sys, node.encoder.outputs, source, node.encoder.stream, offline ? 600.0 : 2.0,
                                   o.security.sockets, *key);
    if (!role) {
      std::cerr << "audio_node: " << error_sentence(role.error()) << "\n";
      return 2;
    }
    a.encoder_role = std::move(*role);
  }
  MeshClock mesh_clock;
  spawn_audio_path(sys, o, mesh_cfg, node, dev, record_path, mesh_clock, telemetry, audio_pub.get(), a);
  start_mesh_side(sys, self, o, mesh_cfg, node, dev, mesh_clock, telemetry, summary, a);
  start_telemetry(sys, mesh_cfg, node, dev, mesh_clock, telemetry, summary, a);
  if (a.control && !a.control->osc_failure().empty()) {
    std::cerr << "audio_node: " << a.control->osc_failure() << "\n";
    shutdown(self, telemetry, a);
    return 2;
  }

  const auto loaded_decks = load_tracks(self, a.mixer, o, summary);
  if (!o.tracks.empty() && loaded_decks.empty() && o.config_path.empty()) {
    std::cerr << "audio_node: nothing can play: every track failed to load\n";
    for (const auto& e : summary.errors) std::cerr << "  " << e << "\n";
    shutdown(self, telemetry, a);
    return 1;
  }
  apply_settings(self, a.mixer, o, summary.errors);
  start_loaded_decks(self, a.mixer, o, loaded_decks, summary);

  bool started = false;
  self->request(a.device, 10s, start_atom_v)
      .receive([&](device::DeviceStats&) { started = true; },
               [&](caf::error& e) {
                 std::cerr << "audio_node: cannot play: " << error_sentence(e) << "\n";
                 summary.errors.push_back(error_sentence(e));
               });
  if (!started) {
    shutdown(self, telemetry, a);
    return 1;
  }

  install_stop_handlers();
  ServiceNotifier service;
  service.ready("playing on " + dev.backend + (dev.device.empty() ? "" : " " + dev.device));
  self->send(a.device, finish_atom_v);
  play_until_done(self, a.device, a.mixer, o, service, summary);
  finish_run(self, a, summary);
  write_summary(o, summary);
  shutdown(self, telemetry, a);
  if (audio_pub) audio_pub->stop();
  return 0;
}

}  // namespace crowdmesh::node
