#include "node_options.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common/mesh_config.hpp"
#include "common/strings.hpp"

#include <iostream>

#include <CLI/CLI.hpp>

namespace crowdmesh::node {

namespace {

bool split_setting(const std::string& text, DeckSetting& out) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  out.deck = text.substr(0, eq);
  out.value = text.substr(eq + 1);
  return true;
}

// What the command line gives as text before it becomes NodeOptions.
struct RawOptions {
  std::string a, b, quality = "polyphase", realtime = "true", mesh = "on", method = "playback_rate", osc, roles;
  std::vector<std::string> tracks, gains, eqs;
  double test_clock_offset_us = 0;
};

void add_track_options(CLI::App& app, RawOptions& r) {
  app.add_option("--a", r.a, "File to play on deck A (WAV, FLAC, Ogg, MP3, ...)");
  app.add_option("--b", r.b, "File to play on deck B");
  app.add_option("--track", r.tracks, "DECK=FILE to play (repeatable; decks A–D)");
}

void add_device_options(CLI::App& app, NodeOptions& o, RawOptions& r) {
  app.add_option("--backend", o.backend, "Audio backend: auto (PortAudio, else virtual + WAV), portaudio, virtual")
      ->check(CLI::IsMember({"auto", "portaudio", "virtual"}))
      ->capture_default_str();
  app.add_option("--device", o.device.device, "Output device: index or name (substring); default: the system default");
  app.add_flag("--list-devices", o.list_devices, "List audio devices (index, name, host API, channels, rate) and exit");
  app.add_option("--sample-rate", o.device.sample_rate_hz, "Device sample rate, Hz (8000–384000)")
      ->capture_default_str();
  app.add_option("--buffer-size", o.device.period_frames, "Frames per period (16–8192; Raspberry Pi 4: 256–512)")
      ->capture_default_str();
  app.add_option("--channels", o.device.channels, "Output channels (1–32)")->capture_default_str();
  app.add_option("--target-periods", o.device.target_periods,
                 "Periods kept queued ahead of the device (2–64; latency vs. safety)")
      ->capture_default_str();
  app.add_option("--realtime", r.realtime,
                 "Virtual backend: true = real pace, false = as fast as possible (offline render)")
      ->check(CLI::IsMember({"true", "false"}))
      ->capture_default_str();
  app.add_option("--output-trim-us", o.device.output_trim_us,
                 "Fixed output delay of the card (codec, amplifier) added to its DAC times, us (-100000..100000)")
      ->capture_default_str();
  app.add_option("--virtual-skew-ppm", o.device.virtual_skew_ppm,
                 "Virtual device at real pace: its crystal error, ppm (-1000..1000), like a real card")
      ->capture_default_str();
  app.add_option("--virtual-buffer-periods", o.device.virtual_buffer_periods,
                 "Virtual device at real pace: its hardware buffer in periods (2-32); late wake-ups of up to "
                 "one less are absorbed, as a real card's buffer does")
      ->capture_default_str();
  app.add_option("--truth-log", o.device.truth_log_path,
                 "Virtual device at real pace: write when each frame reached the DAC on the host's raw clock");
  app.add_option("--test-clock-offset-us", r.test_clock_offset_us,
                 "TESTS ONLY: add this error to the node's local clock, us (several nodes on one machine)")
      ->check(CLI::Range(-1e9, 1e9));
  app.add_option("--test-clock-skew-ppm", o.test_clock.skew_ppm,
                 "TESTS ONLY: run the node's local clock this many ppm fast (-1000..1000)")
      ->check(CLI::Range(-1000.0, 1000.0));
  app.add_option("--quality", r.quality,
                 "Sample-rate conversion of the decks: polyphase (ours; libsamplerate sinc_medium below ratio 0.9), "
                 "sinc_best, sinc_medium, sinc_fastest, linear, zero_order_hold")
      ->capture_default_str();
  app.add_option("--record", o.record_path, "Write exactly what the device played to this WAV (32-bit float)");
  app.add_option("--fallback-record", o.fallback_record_path,
                 "WAV written when no sound device is found (backend auto)")
      ->capture_default_str();
  app.add_option("--duration", o.duration_seconds,
                 "Seconds to play, then stop cleanly (0 = until every track ended, or Ctrl-C)")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  app.add_option("--summary-json", o.summary_json_path, "Write a JSON run summary to this file on exit");
}

void add_mix_and_tempo_options(CLI::App& app, NodeOptions& o, RawOptions& r) {
  app.add_option("--gain", r.gains, "DECK=DB deck gain in dB (-96..+12, -inf = silence; repeatable)");
  app.add_option("--eq", r.eqs, "DECK=LOW,MID,HIGH EQ gains in dB (kill = -inf or <= -60, max +6; repeatable)");
  app.add_option("--master", o.master_gain_db, "Master gain in dB (-96..+12)");
  app.add_flag("--loop", o.loop, "Loop every preloaded track");
  app.add_option("--start-timeout", o.start_timeout_seconds,
                 "Seconds to wait for decks to be ready before starting what is ready")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  app.add_option("--bpm", o.native_bpm, "Native tempo of the preloaded tracks, BPM (20–300)")
      ->check(CLI::Range(20.0, 300.0))
      ->capture_default_str();
  app.add_option("--tempo", o.tempo_bpm, "Start at this fixed tempo, BPM (20–300); tracks play at tempo / native BPM")
      ->check(CLI::Range(20.0, 300.0));
  app.add_option("--bpm-config", o.bpm_config_path,
                 "Movement-to-BPM table in the original bpm_config.json format (overrides [movement_bpm])");
  app.add_flag("--diagnostics", o.diagnostics,
               "Accept diagnostics commands that disturb playback on purpose (stall); off by default");
  app.add_option("--media-root", o.media_roots,
                 "Folder audio files may be loaded from (repeatable; adds to [media] roots). With none set, any "
                 "readable file may be loaded: set them on a node reachable from the LAN");
  app.add_option("--soundtouch-sequence-ms", o.soundtouch.sequence_ms,
                 "SoundTouch sequence length, ms (0 = automatic, 40-125 from the tempo; 0-500)")
      ->check(CLI::Range(0, 500))
      ->capture_default_str();
  app.add_option("--soundtouch-seek-window-ms", o.soundtouch.seek_window_ms,
                 "SoundTouch overlap search window, ms (0 = automatic, 15-25; 0-200)")
      ->check(CLI::Range(0, 200))
      ->capture_default_str();
  app.add_option("--soundtouch-overlap-ms", o.soundtouch.overlap_ms,
                 "SoundTouch cross-fade between sequences, ms (1-100)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--soundtouch-quick-seek", o.soundtouch.quick_seek,
                 "SoundTouch quick (coarser) overlap search: true/false")
      ->capture_default_str();
  app.add_option("--soundtouch-anti-alias", o.soundtouch.anti_alias, "SoundTouch anti-alias filter: true/false")
      ->capture_default_str();
  app.add_option("--stretch-method", r.method,
                 "playback_rate (varispeed: pitch follows tempo) or soundtouch (pitch preserved)")
      ->check(CLI::IsMember({"playback_rate", "soundtouch"}))
      ->capture_default_str();
}

void add_mesh_options(CLI::App& app, NodeOptions& o, RawOptions& r) {
  app.add_option("--config", o.config_path,
                 "Mesh config (TOML, see deploy/mesh.example.toml); default: one node on loopback");
  app.add_option("--name", o.node_name, "This node's name in --config (default: the only node, or 'local')");
  app.add_option("--mesh", r.mesh, "on: accept commands over the mesh (ZeroMQ) and OSC; off: local playback only")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  app.add_option("--control", o.control_bind, "Control endpoint to bind (ROUTER), e.g. tcp://127.0.0.1:7700");
  app.add_option("--events", o.events_bind, "Events endpoint to bind (PUB), e.g. tcp://127.0.0.1:7701");
  app.add_option("--play-stream", o.play_stream,
                 "Play another node's mix in this room, NODE or NODE/master (RTP over UDP, in sync; overrides the "
                 "config's play_stream)");
  app.add_option("--stream-latency-ms", o.stream_latency_ms,
                 "Playout latency of the stream this node sends, ms (20-2000; default: the config's, 120)")
      ->check(CLI::Range(20, 2000));
  app.add_option("--osc", r.osc,
                 "OSC bridge: off, or UDP ports comma-separated (1-65535), e.g. 57122,57120; default: the config's "
                 "(57122). A port that cannot be bound stops the node");
  app.add_option("--roles", r.roles,
                 "Roles this process hosts, comma-separated (device, mixer, stretch, tempo, encoder, telemetry, osc); "
                 "e.g. --roles encoder on a spare machine");
  app.add_option(
      "--encode", o.encode,
      "PRESET[,KEY=VALUE...]:SINK, repeatable: encode the mix (presets mobile, hifi, podcast, opus, flac, "
      "mp3; sinks file:PATH with strftime fields, icecast://USER:PASS@HOST:PORT/MOUNT); see docs/ENCODERS.md");
  app.add_flag("--list-presets", o.list_presets, "List the encoder presets and their keys, and exit");
  app.add_option(
      "--source", o.audio_source,
      "Stream to encode: a node name of --config or an audio endpoint (tcp://HOST:7702); default: this node's mixer");
  app.add_option("--stream", o.audio_stream, "Name of the stream to encode (default: master)");
  app.add_option("--audio", o.audio_bind, "Audio stream endpoint to bind (PUB), e.g. tcp://127.0.0.1:7702");
  app.add_option("--telemetry-interval", o.telemetry_interval_ms,
                 "Telemetry period while something plays and someone watches (top, a tele. subscriber), ms "
                 "(10-10000; default 100 = 10 Hz)")
      ->check(CLI::Range(10, 10000))
      ->capture_default_str();
  app.add_option("--telemetry-idle-interval", o.telemetry_idle_interval_ms,
                 "Telemetry period while nothing plays, loads, ramps or encodes, or nobody watches, ms (10-60000; default 1000; "
                 "at most --telemetry-interval: always full rate)")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  app.add_option("--metrics-port", o.metrics_port,
                 "Serve Prometheus metrics on this TCP port (http://HOST:PORT/metrics); 0 = off")
      ->capture_default_str();
  app.add_option("--metrics-bind", o.metrics_bind,
                 "Address for --metrics-port (default: the host of the control endpoint, e.g. 127.0.0.1)");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
}

// --osc: "off" or comma-separated UDP ports.
bool parse_osc_ports(const std::string& text, NodeOptions& o) {
  if (text == "off") {
    o.osc_off = true;
    return true;
  }
  if (text.empty()) return true;
  for (const auto& word : split(text, ',')) {
    char* end = nullptr;
    const long port = std::strtol(word.c_str(), &end, 10);
    if (word.empty() || *end != '\0' || port < 1 || port > 65535) {
      std::cerr << "audio_node: --osc: '" << word << "' is not a UDP port (allowed: 1-65535, or --osc off)\n";
      return false;
    }
    o.osc_ports.push_back(static_cast<int>(port));
  }
  return true;
}

// --roles: comma-separated names of kKnownRoles.
bool parse_roles(const std::string& text, NodeOptions& o) {
  if (text.empty()) return true;
  std::vector<std::string> list;
  for (const auto& role : split(text, ',')) {
    if (role.empty()) continue;
    if (std::find(kKnownRoles.begin(), kKnownRoles.end(), role) == kKnownRoles.end()) {
      std::cerr << "audio_node: --roles: '" << role << "' is not a role; allowed: " << join(kKnownRoles) << "\n";
      return false;
    }
    list.push_back(role);
  }
  o.roles = list;
  return true;
}

// Turns the text options into NodeOptions; false (after saying why on stderr) when one is malformed.
bool finish_options(const CLI::App& app, const RawOptions& r, NodeOptions& o) {
  if (!r.a.empty()) o.tracks.push_back({"A", r.a});
  if (!r.b.empty()) o.tracks.push_back({"B", r.b});
  for (const auto& t : r.tracks) {
    DeckSetting s;
    if (!split_setting(t, s)) {
      std::cerr << "audio_node: --track '" << t << "' must be DECK=FILE (e.g. --track C=loop.wav)\n";
      return false;
    }
    o.tracks.push_back({s.deck, s.value});
  }
  for (const auto& [list, out, name] : {std::tuple{&r.gains, &o.gains, "--gain"}, std::tuple{&r.eqs, &o.eqs, "--eq"}}) {
    for (const auto& g : *list) {
      DeckSetting s;
      if (!split_setting(g, s)) {
        std::cerr << "audio_node: " << name << " '" << g << "' must be DECK=VALUE\n";
        return false;
      }
      out->push_back(s);
    }
  }
  auto q = stretch::parse_resampler_quality(r.quality);
  if (!q) {
    std::cerr << "audio_node: --quality '" << r.quality
              << "' is not one of sinc_best, sinc_medium, sinc_fastest, linear, zero_order_hold, polyphase\n";
    return false;
  }
  o.quality = *q;
  o.device.realtime = r.realtime == "true";
  o.test_clock.offset_ns = static_cast<std::int64_t>(std::llround(r.test_clock_offset_us * 1e3));
  o.mesh = r.mesh == "on";
  o.stretch_method = *stretch::parse_stretch_method(r.method);
  for (const char* opt : {"--backend", "--device", "--sample-rate", "--buffer-size", "--channels"})
    if (app.count(opt) > 0) o.explicit_options.insert(opt);
  o.backend_explicit = app.count("--backend") > 0;
  return parse_osc_ports(r.osc, o) && parse_roles(r.roles, o);
}

}  // namespace

std::pair<std::optional<NodeOptions>, int> parse_options(int argc, char** argv) {
  NodeOptions o;
  RawOptions r;
  CLI::App app{
      "audio_node — a Crowdmesh node: plays and mixes decks A–D on a sound device.\n"
      "With no sound device it falls back to the virtual device and writes the mix to a WAV."};
  app.set_version_flag("--version", std::string("audio_node ") + CROWDMESH_VERSION);
  add_track_options(app, r);
  add_device_options(app, o, r);
  add_mix_and_tempo_options(app, o, r);
  add_mesh_options(app, o, r);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, app.exit(e)};
  }
  if (!finish_options(app, r, o)) return {std::nullopt, 2};
  return {o, 0};
}

}  // namespace crowdmesh::node
