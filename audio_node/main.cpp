// audio_node: parse options, assemble the node's actors, run.
#include "node.hpp"
#include "node_options.hpp"

int main(int argc, char** argv) {
  auto [options, status] = crowdmesh::node::parse_options(argc, argv);
  if (!options) return status;
  return crowdmesh::node::run_node(*options);
}
