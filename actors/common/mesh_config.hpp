#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "caf/expected.hpp"

namespace crowdmesh {

/// Every role an audio_node can host (docs/ARCHITECTURE.md "Processes and roles").
/// The mesh gateway is not a role: every node always runs one.
inline const std::vector<std::string> kKnownRoles{"device", "mixer", "stretch", "tempo", "encoder", "telemetry", "osc"};

/// The three ZeroMQ endpoints of one node. Each is the address peers and
/// control_node connect to and the node binds: `tcp://HOST:PORT` (HOST an IPv4
/// address, a host name or `[IPv6]`; PORT 1..65535) or `ipc://PATH`. Unique
/// across the mesh.
struct NodeEndpoints {
  /// ROUTER socket: commands in, replies out. TOML `control`; default
  /// `tcp://127.0.0.1:7700`.
  std::string control = "tcp://127.0.0.1:7700";
  /// PUB socket: events, telemetry and heartbeats. TOML `events`; default: the
  /// control host with the control port + 1 (`ipc://PATH` → `ipc://PATH.events`).
  std::string events = "tcp://127.0.0.1:7701";
  /// PUB socket: audio chunks. TOML `audio`; default: the control host with the
  /// control port + 2 (`ipc://PATH` → `ipc://PATH.audio`).
  std::string audio = "tcp://127.0.0.1:7702";
};

/// The audio device of a node (used by its `device` role). TOML table
/// `[nodes.NAME.device]`.
struct DeviceSettings {
  /// Audio backend: "auto" (PortAudio, else the virtual device), "portaudio"
  /// or "virtual". TOML `backend`; default "auto".
  std::string backend = "auto";
  /// PortAudio device: a decimal index or a case-insensitive substring of its
  /// name; empty = the host's default output. TOML `device`; default "".
  std::string device;
  /// Device sample rate in Hz (8000..384000). TOML `sample_rate`; default 48000.
  int sample_rate_hz = 48000;
  /// Frames per device period (16..8192). TOML `buffer_size`; default 256.
  int buffer_frames = 256;
  /// Periods the playout thread keeps queued ahead of the card (2..64): the
  /// output latency, and the reserve against a stalled playout thread (it is
  /// woken with half of it left; device::PlayoutThread::batch_periods). TOML
  /// `target_periods`; default 4. 48 (256 ms at 256 frames / 48 kHz) on a
  /// Pi whose other work can stall even real-time threads (docs/RASPBERRY_PI.md).
  int target_periods = 4;
  /// Output channels, interleaved (1..32). TOML `channels`; default 2.
  int channels = 2;
};

/// The OSC compatibility bridge of a node (its `osc` role, docs/PROTOCOL.md, "OSC bridge"). TOML
/// table `[nodes.NAME.osc]`, allowed only on a node with the role "osc".
struct OscSettings {
  /// True when the bridge listens. After parsing this is false on every node
  /// without the role "osc", so callers need to check only this flag. TOML
  /// `enabled`; default true.
  bool enabled = true;
  /// UDP ports to listen on (each 1..65535, at least one, no repeats). TOML
  /// `ports`; default [57122] (the original server also used 57120).
  std::vector<int> ports{57122};
  /// Local address to bind: "127.0.0.1" (detector on the same machine) or
  /// "0.0.0.0" (any interface). TOML `bind`; default "127.0.0.1".
  std::string bind = "127.0.0.1";
};

/// Remote playout (docs/PROTOCOL.md, "Remote playout over RTP"): the RTP
/// stream a node sends of its mix, and the one it plays. Flat keys of the
/// node table `[nodes.NAME]`.
struct StreamSettings {
  /// Stream to play from the start, "NODE" or "NODE/STREAM" (the only stream
  /// is "master", the mix). TOML `play_stream`; default: none.
  std::string play;
  /// Mix the played stream with the local decks (true) or play it alone.
  /// TOML `stream_mix_local`; default false.
  bool mix_local = false;
  /// Playout latency L, ms (20..2000): a frame plays L after its source mixed
  /// it, in the source room too. Set on the source. TOML `stream_latency_ms`;
  /// default 120 (wired Ethernet; docs/PROTOCOL.md says how to choose it for Wi-Fi).
  int latency_ms = 120;
  /// UDP port this node receives a stream on (1..65535). TOML `stream_port`;
  /// default: the control port + 4 (7704); required for an ipc control endpoint.
  int port = 0;
  /// This node's IPv4 address as its sources reach it. TOML `stream_host`;
  /// default: the host of its control endpoint (which must then be an address, not "*").
  std::string host;
  /// Reed–Solomon FEC on the streams this node sends. TOML `stream_fec`; default true.
  bool fec = true;
  /// Payload of the stream this node sends: "l24" (PCM, lossless, 2.3 Mb/s
  /// for 48 kHz stereo before FEC), "l16" or "opus" (RFC 7587, for Wi-Fi;
  /// 48 kHz only, 2.5 ms packets so that an FEC block fits the latency). TOML `stream_codec`; default "l24".
  std::string codec = "l24";
  /// Opus bitrate, kb/s (6..510). TOML `stream_opus_kbps`; default 128.
  int opus_kbps = 128;
  /// A multicast group "GROUP:PORT" (GROUP in 224.0.0.0/4, PORT 1..65535)
  /// through which this node serves the rooms that play its stream (one
  /// datagram per packet whatever the number of rooms; TTL 1, this subnet).
  /// Rooms still subscribe over the mesh. TOML `stream_multicast`; default
  /// none: one unicast copy per room.
  std::string multicast;
};

/// What a node with the "encoder" role encodes. TOML table `[nodes.NAME.encoder]`.
struct EncoderSettings {
  /// Outputs, each `PRESET[,KEY=VALUE...]:SINK` as for `audio_node --encode`
  /// (validated when the node starts). TOML `outputs`, an array of strings.
  std::vector<std::string> outputs;
  /// Where the stream comes from: empty = this node's own mixer; a node name
  /// (its `audio` endpoint) or a ZeroMQ endpoint ("tcp://10.0.0.11:7702").
  /// TOML `source`.
  std::string source;
  /// Stream name: "master" matches "<node>/master". TOML `stream`.
  std::string stream = "master";
};

/// One audio_node process of the mesh. TOML table `[nodes.NAME]`.
struct NodeConfig {
  /// Node name, the TOML table key: 1..64 characters of A–Z, a–z, 0–9, '-'
  /// and '_' (it appears in addresses `node/actor` and topics `tele.node.actor`).
  std::string name;
  /// Roles hosted, each one of kKnownRoles, no repeats; empty = gateway only.
  /// TOML `roles`; default: every role except "encoder".
  std::vector<std::string> roles{"device", "mixer", "stretch", "tempo", "telemetry", "osc"};
  /// ZeroMQ endpoints (TOML keys `control`, `events`, `audio` of the node table).
  NodeEndpoints endpoints;
  /// Audio device settings.
  DeviceSettings device;
  /// OSC bridge settings.
  OscSettings osc;
  /// Encoder outputs and source (used with the "encoder" role).
  EncoderSettings encoder;
  /// Remote playout: the stream it plays and how it sends its own.
  StreamSettings stream;
  /// Diagnostics commands that disturb playback on purpose (`Stall`) are
  /// accepted only when true (fault drills, tests). TOML `diagnostics`;
  /// default false.
  bool diagnostics = false;
  /// The node's CURVE public key, 40 Z85 characters (control_node keygen).
  /// TOML `public_key`; required on every node when `security.mode = "curve"`.
  std::string public_key;
  /// The file holding the node's key pair (written by `control_node keygen
  /// --out`, mode 0600), read by this node only when it starts in curve mode.
  /// TOML `secret_key_file`, relative to the config file's folder; default
  /// `keys/NAME.key` there.
  std::string secret_key_file;

  /// True when `role` is in roles.
  bool has_role(const std::string& role) const;
};

/// Movement-to-BPM curve and ramp (README, "Tempo that follows the dancers"), with the original
/// bpm_config.json key names. TOML table `[movement_bpm]`.
struct MovementBpmSettings {
  /// Movement thresholds (0..1; order: movement_table_problem()). TOML
  /// `movement_bpm.thresholds.very_very_low`; default 0.02.
  double very_very_low = 0.02;
  /// TOML `movement_bpm.thresholds.very_low`; default 0.05.
  double very_low = 0.05;
  /// TOML `movement_bpm.thresholds.low`; default 0.10.
  double low = 0.10;
  /// TOML `movement_bpm.thresholds.medium`; default 0.15.
  double medium = 0.15;
  /// Target BPM below very_very_low (20..300). TOML
  /// `movement_bpm.bpm_targets.very_very_low`; default 105.
  double bpm_very_very_low = 105;
  /// Target BPM in [very_very_low, very_low) (20..300). TOML
  /// `movement_bpm.bpm_targets.very_low`; default 110.
  double bpm_very_low = 110;
  /// Target BPM in [very_low, low) (20..300). TOML
  /// `movement_bpm.bpm_targets.low`; default 115.
  double bpm_low = 115;
  /// Target BPM in [low, medium), and the start of the linear rise at medium
  /// (20..300). TOML `movement_bpm.bpm_targets.medium`; default 118.
  double bpm_medium = 118;
  /// Target BPM reached at movement_max_value and the cap above it (20..300).
  /// TOML `movement_bpm.bpm_targets.high_max`; default 130.
  double bpm_high_max = 130;
  /// Movement at which the rise reaches bpm_high_max (greater than medium,
  /// at most 1). TOML `movement_bpm.movement_max_value`; default 0.6.
  double movement_max_value = 0.6;
  /// Wall-clock time of one tempo transition in seconds (0..3600; 0 = jump).
  /// TOML `movement_bpm.smoothing.transition_time_seconds`; default 30.
  double transition_time_seconds = 30;
  /// BPM before any movement arrives (20..300). TOML `movement_bpm.base_bpm`;
  /// default 120.
  double base_bpm = 120;
};

/// What breaks the ordering rule of a movement table, if anything.
struct MovementTableProblem {
  /// Key to point at, under `movement_bpm` ("thresholds.low",
  /// "movement_max_value"): parsers use it to find the line.
  std::string key;
  /// The key it conflicts with, pointed at when `key` is not written in the
  /// file (it kept its default).
  std::string other_key;
  /// One sentence naming the keys and values and the rule.
  std::string message;
};

/// The one ordering rule for a movement table, shared by the TOML mesh config
/// and the original bpm_config.json (and anything else that builds one):
///  - very_very_low <= very_low <= low (equal values leave a band empty);
///  - medium anywhere in 0..1: the original's guide sets medium 0.08 below
///    low 0.10 to start the rise earlier, and MovementBpmCurve lets the rise
///    win there;
///  - movement_max_value > medium.
/// Ranges (0..1, 20..300 BPM) are the parsers' job. Pure.
std::optional<MovementTableProblem> movement_table_problem(const MovementBpmSettings& m);

/// A person (or tool) allowed to send commands and read events. TOML table
/// `[operators.NAME]`.
struct OperatorKey {
  /// The table key, a node-name-like label ("alice", "lighting-desk"); it is
  /// the identity logged for this key.
  std::string name;
  /// CURVE public key, 40 Z85 characters. TOML `public_key`, required.
  std::string public_key;
  /// Nodes this operator may control. TOML `nodes`; empty (default) = every node.
  std::vector<std::string> nodes;

  /// True when this operator may connect to node `node`.
  bool allowed_on(const std::string& node) const;
};

/// Who may connect to a node's control, events and audio sockets. TOML table
/// `[security]` and `[operators.*]` (docs/SECURITY.md).
struct SecuritySettings {
  /// true: CURVE authentication and encryption on every ZeroMQ socket, only
  /// the mesh's node keys and the operators' keys let in. TOML `security.mode`
  /// = "curve"; default "plain" (no authentication: for loopback-only setups).
  bool curve = false;
  /// Operator keys, in file order.
  std::vector<OperatorKey> operators;
};

/// The whole mesh: its nodes and mesh-wide settings. Plain data.
struct MeshConfig {
  /// Node whose monotonic clock is mesh time. TOML `mesh.clock_reference`;
  /// default: the first node.
  std::string clock_reference;
  /// Node whose tempo actor drives every room. TOML `mesh.tempo_node`; must
  /// have the role "tempo"; default: the first node with the role "tempo",
  /// empty when no node has it.
  std::string tempo_node;
  /// Largest accepted ZeroMQ message in bytes (1024..1073741824). TOML
  /// `mesh.max_message_bytes`; default 1048576.
  std::size_t max_message_bytes = 1 << 20;
  /// Time a command waits for its reply, ms (1..600000). TOML
  /// `mesh.request_timeout_ms`; default 1000.
  int request_timeout_ms = 1000;
  /// Heartbeat period on the event channel, ms (10..60000). TOML
  /// `mesh.heartbeat_interval_ms`; default 500 (with liveness 3 a dead node is
  /// reported within 1.5 s).
  int heartbeat_interval_ms = 500;
  /// Missed heartbeats after which a peer counts as down (1..100). TOML
  /// `mesh.liveness`; default 3.
  int liveness = 3;
  /// Folders audio files may be loaded from (TOML `media.roots`, an array of
  /// strings; relative ones are taken against the config file's folder).
  /// Each node checks at start that they exist. Empty (default): any file the
  /// node can read (docs/SECURITY.md says why a LAN installation sets them).
  std::vector<std::string> media_roots;
  /// Every node, in the order of the file (order of each `[nodes.NAME]`
  /// header's first appearance).
  std::vector<NodeConfig> nodes;
  /// Movement-to-BPM settings of the tempo actor.
  MovementBpmSettings movement_bpm;
  /// Authentication: plain or CURVE, and the operators' keys.
  SecuritySettings security;
  /// Where the config came from (absolute path, or "<embedded default>");
  /// for log lines.
  std::string origin;

  /// The node called `name`, or nullptr.
  const NodeConfig* find(const std::string& name) const;
};

/// Reads and parses a mesh TOML file (see deploy/mesh.example.toml). Errors:
/// errc::file_not_found (no such file; absolute path), errc::unreadable_file
/// (not readable or not TOML; path, line, column and the parser's reason),
/// errc::value_out_of_range for everything parse_mesh_config() rejects. Every
/// sentence starts with the absolute path and line. Thread-safe.
caf::expected<MeshConfig> load_mesh_config(const std::string& path);

/// Parses mesh TOML text; `origin` (a path) prefixes every error sentence.
/// Errors: errc::unreadable_file for TOML syntax errors (including a table
/// defined twice, e.g. a duplicate `[nodes.NAME]`); errc::value_out_of_range
/// with the key path (e.g. `nodes.room-b.control`), the value and what is
/// allowed for: unknown keys (the sentence lists the known keys of that
/// table), wrong types, values out of range, no nodes, bad or duplicate node
/// names (case-insensitive), unknown or repeated roles, bad endpoint syntax,
/// ports out of 1..65535, duplicate endpoints, OSC settings on a node without
/// the role "osc", clashing OSC ports of nodes on one host, a movement table
/// that breaks movement_table_problem(), clock_reference/tempo_node naming an unknown node (or
/// a tempo_node without the role "tempo"). Thread-safe.
caf::expected<MeshConfig> parse_mesh_config(const std::string& toml_text, const std::string& origin);

/// The embedded default used when audio_node gets no --config: one node
/// "local" with every role of kKnownRoles on the default loopback endpoints
/// (7700/7701/7702), the default device and OSC on 127.0.0.1:57122; it is the
/// clock reference and the tempo node.
MeshConfig default_mesh_config();

}  // namespace crowdmesh
