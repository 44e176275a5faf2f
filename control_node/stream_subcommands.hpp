#pragma once
// The remote-playout subcommands of control_node: play-stream, stop-stream,
// sdp, subscribe-stream, unsubscribe-stream (docs/PROTOCOL.md, "Remote
// playout over RTP").
#include <string>

#include <CLI/CLI.hpp>
#include "caf/expected.hpp"
#include "control_node/request.hpp"

namespace crowdmesh::control {

/// The words of the stream subcommands, as typed (errors name them).
struct StreamArgs {
  std::string source;       ///< play-stream SOURCE: "NODE" or "NODE/master"
  bool mix_local = false;   ///< play-stream --mix-local
  std::string destination;  ///< sdp --destination, (un)subscribe-stream HOST:PORT
  std::string stream;       ///< sdp STREAM, subscribe-stream --stream (default "master")
  std::string lease;        ///< subscribe-stream --lease, s
};

/// Adds the stream subcommands to `app`; their words land in `args`.
void add_stream_subcommands(CLI::App& app, StreamArgs& args);

/// True when `name` is one of them.
bool is_stream_subcommand(const std::string& name);

/// Fills req.envelope's command for subcommand `name` and returns the target
/// actor ("stream"). Errors (value_out_of_range) name the word and its form:
/// a SOURCE with more than one '/', a stream other than "master", a
/// destination that is not HOST:PORT with a port in 1..65535, a lease outside
/// 1..86400 s.
caf::expected<std::string> build_stream_command(const std::string& name, const StreamArgs& args, Request& req);

}  // namespace crowdmesh::control
