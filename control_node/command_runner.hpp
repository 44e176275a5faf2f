#pragma once
#include <atomic>
#include <cstdint>
#include <ostream>

#include "caf/expected.hpp"
#include "mesh/mesh_client.hpp"
#include "control_node/request.hpp"

namespace crowdmesh::control {

/// Executes a parsed Request with a mesh::MeshClient and prints the outcome: replies
/// on `out` (text or JSON), error sentences on `err` prefixed by the node (or
/// "control_node:" for local failures). Returns the process exit status
/// (kExitOk, kExitErrorReply, kExitUsage, kExitTimeout).
///
/// Extra round trips: `start --in` first asks the target's gateway for
/// get_nodes and uses the reply's send_time_ns as the node's mesh time now;
/// `--to '*'` first asks the reached gateway for get_nodes to learn how many
/// nodes are alive, so it can stop waiting once each has answered.
///
/// Thread contract: one thread (the client's).
class CommandRunner {
 public:
  /// `client` is connected by run(); the streams must outlive the runner.
  CommandRunner(mesh::MeshClient& client, std::ostream& out, std::ostream& err);

  /// Runs the request; `stop` ends `watch` (set it from a SIGINT handler).
  int run(Request request, const std::atomic<bool>& stop);

  /// Mesh time for `start --in SECONDS`: the node's send_time_ns of the probe
  /// reply, plus half the measured round trip (ns, ≥ 0), plus `seconds`.
  static std::int64_t execute_at_after(std::int64_t node_send_time_ns, std::int64_t round_trip_ns, double seconds);

 private:
  int run_watch(const Request& request, const std::atomic<bool>& stop);
  int run_single(Request& request);
  int run_broadcast(Request& request);
  int run_top(Request& request, const std::atomic<bool>& stop);
  int run_doctor(Request& request);
  /// Resolves request.start_in_seconds into envelope.execute_at_ns.
  caf::expected<void> resolve_start_in(Request& request);
  /// A get_nodes envelope to "<node>/gateway" numbered after the request.
  v1::Envelope probe_for(const Request& request, const std::string& node, std::uint64_t offset) const;
  /// Prints one reply and returns its exit status.
  int print_reply(const v1::Envelope& reply, bool json, bool with_node);
  int fail(const caf::error& error);

  mesh::MeshClient& client_;
  std::ostream& out_;
  std::ostream& err_;
};

}  // namespace crowdmesh::control
