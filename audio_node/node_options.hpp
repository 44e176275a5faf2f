#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/local_clock.hpp"
#include "device/device_config.hpp"
#include "node_security.hpp"
#include "stretch/media_roots.hpp"
#include "stretch/resampler_quality.hpp"
#include "stretch/soundtouch_stretcher.hpp"
#include "stretch/stretch_method.hpp"

namespace crowdmesh::node {

/// A file to preload on a deck.
struct TrackOption {
  std::string deck;  ///< "A".."D" as typed (validated by the mixer)
  std::string path;
};

/// A "DECK=VALUE" setting (gain, EQ) applied after loading.
struct DeckSetting {
  std::string deck;
  std::string value;
};

/// Everything `audio_node` was asked to do (filled by parse_options()).
struct NodeOptions {
  std::vector<TrackOption> tracks;  ///< --a/--b/--track, started together
  std::string backend = "auto";     ///< auto | portaudio | virtual
  bool backend_explicit = false;    ///< --backend given (no silent fallback)
  device::DeviceConfig device;      ///< --device, --sample-rate, --buffer-size, --realtime
  stretch::ResamplerQuality quality = stretch::ResamplerQuality::polyphase;  ///< --quality (polyphase: ours at ratios ≥ 0.9, sinc_medium below)
  stretch::StretchMethod stretch_method = stretch::StretchMethod::playback_rate;  ///< --stretch-method
  stretch::SoundTouchSettings soundtouch;  ///< --soundtouch-* (SoundTouch's own defaults)
  double native_bpm = 120;                 ///< --bpm: native tempo of the preloaded tracks
  std::optional<double> tempo_bpm;         ///< --tempo: start the mesh at this fixed tempo
  std::string bpm_config_path;             ///< --bpm-config: the original bpm_config.json (overrides the mesh config)
  bool diagnostics = false;                 ///< --diagnostics: accept Stall (adds to the node's `diagnostics`)
  std::vector<std::string> media_roots;    ///< --media-root (repeatable): folders loads may come from, besides [media] roots
  NodeSecurity security;                   ///< keys of this node's sockets (curve) or plain, set before any socket opens
  stretch::MediaRoots media;               ///< the checked roots (config + --media-root), set before any actor starts
  std::string play_stream;                 ///< --play-stream NODE[/master]: play that node's mix here
  std::optional<int> stream_latency_ms;    ///< --stream-latency-ms: playout latency L of this node's stream
  std::string record_path;                 ///< --record
  std::string fallback_record_path = "crowdmesh-mix.wav";  ///< where a headless fallback writes
  double duration_seconds = 0;                             ///< --duration (0 = until the tracks end or a signal)
  std::string summary_json_path;                           ///< --summary-json
  std::vector<DeckSetting> gains;                          ///< --gain DECK=DB
  std::vector<DeckSetting> eqs;                            ///< --eq DECK=LOW,MID,HIGH (dB)
  std::optional<double> master_gain_db;                    ///< --master
  bool loop = false;                                       ///< --loop
  double start_timeout_seconds = 10;                       ///< --start-timeout
  bool list_devices = false;                               ///< --list-devices
  bool list_presets = false;                               ///< --list-presets
  std::string config_path;                 ///< --config: the mesh TOML (empty: one-node mesh on loopback)
  std::string node_name;                   ///< --name: this node in the config (default: "local" / the only node)
  bool mesh = true;                        ///< --mesh on|off: gateway + OSC bridge
  std::string control_bind;                ///< --control: overrides the node's control endpoint
  std::string events_bind;                 ///< --events: overrides the node's events endpoint
  bool osc_off = false;                    ///< --osc off: no OSC bridge (explicitly)
  std::vector<int> osc_ports;              ///< --osc PORT[,PORT]: overrides the node's OSC ports (1..65535)
  std::set<std::string> explicit_options;  ///< device options given on the command line (win over the config)
  std::string log_level = "info";          ///< --log-level
  std::optional<std::vector<std::string>> roles;  ///< --roles: overrides the node's roles (comma list)
  std::vector<std::string> encode;          ///< --encode PRESET[,KEY=VALUE...]:SINK (repeatable; implies role encoder)
  std::optional<std::string> audio_source;  ///< --source: node name or endpoint of the stream to encode
  std::optional<std::string> audio_stream;  ///< --stream: stream name to encode (default "master")
  std::string audio_bind;                   ///< --audio: overrides the node's audio PUB endpoint
  std::uint32_t telemetry_interval_ms = 100;        ///< --telemetry-interval: publishing period, ms (10..10000)
  std::uint32_t telemetry_idle_interval_ms = 1000;  ///< --telemetry-idle-interval: the same while idle, ms (10..60000)
  std::uint16_t metrics_port = 0;                   ///< --metrics-port: Prometheus endpoint (0 = none)
  std::string metrics_bind;  ///< --metrics-bind: its address (default: the control endpoint's host)
  /// --test-clock-offset-us / --test-clock-skew-ppm: a deliberate local clock
  /// error for sync tests (several nodes on one machine disagree like Pis).
  LocalClockInjection test_clock;
};

/// Parses argv. Returns the options, or an exit code when parsing ended the
/// program (--help: 0, --version: 0, bad usage: 2, after printing why).
std::pair<std::optional<NodeOptions>, int> parse_options(int argc, char** argv);

}  // namespace crowdmesh::node
