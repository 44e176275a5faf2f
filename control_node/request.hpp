#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "control_node/sections_command.hpp"
#include "crowdmesh/v1/envelope.pb.h"

namespace crowdmesh::control {

/// Default control endpoint: the ROUTER of the node on this machine.
inline constexpr const char* kDefaultControlEndpoint = "tcp://127.0.0.1:7700";
/// Default time to wait for a reply (ms). `load` and `start` wait longer (see CommandLine).
inline constexpr std::chrono::milliseconds kDefaultTimeout{1000};

/// Process exit statuses of control_node.
inline constexpr int kExitOk = 0;          ///< every reply was ok
inline constexpr int kExitErrorReply = 1;  ///< a reply was an error (sentence on stderr)
inline constexpr int kExitUsage = 2;       ///< bad command line; nothing was sent
inline constexpr int kExitTimeout = 3;     ///< no reply (or not every node's) in time

/// What the operator asked for, fully validated and ready to send. Built by
/// CommandLine::parse(); plain data, no sockets.
struct Request {
  enum class Kind {
    send,     ///< send `envelope`, print the reply (or replies for target "*")
    watch,    ///< subscribe to `events_endpoint` and print envelopes as JSON lines
    message,  ///< print `text` (help, version) and exit 0
    top,      ///< poll GetTelemetry (`envelope`) every `top_interval` and draw the mesh
    doctor,   ///< send RunDoctor (`envelope`), print the report, then check every link
    keygen,   ///< make a CURVE key pair, write it to `keygen_out`, print the public key (no node needed)
    sections, ///< export song sections from struct JSONs (`sections`), locally (no node needed)
  };
  Kind kind = Kind::send;
  /// Subcommand name as typed ("status", "gain", ...).
  std::string command;
  /// ROUTER endpoint of the node we talk to (--connect).
  std::string connect_endpoint = kDefaultControlEndpoint;
  /// PUB endpoint for `watch` (--events, default: control port + 1).
  std::string events_endpoint;
  /// --to: "" = the node reached (the gateway treats an empty node as itself),
  /// "*" = every node, anything else = that node's name.
  std::string target_node;
  /// --json: print replies with MessageToJsonString instead of text.
  bool json = false;
  /// How long to wait for the reply; for target "*", for all replies.
  std::chrono::milliseconds timeout = kDefaultTimeout;
  /// The command, addressed and numbered; send_time_ns is stamped at send time.
  v1::Envelope envelope;
  /// `start --in SECONDS`: execute_at_ns is the node's mesh time now + this, learnt
  /// from a get_nodes round trip just before sending (see CommandRunner).
  std::optional<double> start_in_seconds;
  /// `watch --topic`: subscription prefix ("" = everything).
  std::string topic_prefix;
  /// `watch --count`: stop after this many envelopes; 0 = until Ctrl-C.
  std::uint64_t watch_count = 0;
  /// `top`: refresh period; `top --once`: print one snapshot and exit.
  std::chrono::milliseconds top_interval{250};
  bool top_once = false;
  /// `doctor --probes N`: probes per link (0 = skip the link check).
  int doctor_probes = 100;
  /// Kind::message: the text to print (help or version).
  std::string text;
  /// --key: this operator's key file (curve); empty = $CROWDMESH_KEY, then
  /// ~/.config/crowdmesh/operator.key when a node's public key is known.
  std::string key_file;
  /// --server-key: the public key of the node reached (40 Z85 characters).
  std::string server_key;
  /// --config: the mesh config, to find the node's key by its endpoint and
  /// whether the mesh uses CURVE.
  std::string config_path;
  /// `keygen --out FILE` (default ~/.config/crowdmesh/operator.key) and
  /// `keygen --name LABEL` (written in the file's comment and the snippet).
  std::string keygen_out;
  std::string keygen_name = "operator";
  /// Kind::sections: what to export.
  SectionsOptions sections;

  /// True when the command goes to every node (--to '*').
  bool broadcast() const { return target_node == "*"; }
};

}  // namespace crowdmesh::control
