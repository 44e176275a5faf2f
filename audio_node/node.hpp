#pragma once
#include "node_options.hpp"

namespace crowdmesh::node {

/// Assembles and runs one node (stretch, mixer and device actors in this
/// process): loads the tracks, starts them together, plays until --duration,
/// until every track ended, or SIGINT/SIGTERM; then writes the summary.
/// Returns the process exit status: 0 after a run, 1 when nothing at all could
/// play (every track failed, or no device could be opened), 2 on bad options.
int run_node(const NodeOptions& options);

}  // namespace crowdmesh::node
