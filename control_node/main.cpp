// control_node: the operator's command-line tool. The mesh control plane
// (commands to any node over ZeroMQ) comes with the mesh; this build prints
// its version and what it can do.
#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--version") == 0)) {
    std::cout << "control_node " << CROWDMESH_VERSION << "\n";
    return 0;
  }
  std::cout << "control_node " << CROWDMESH_VERSION
            << ": the mesh control plane is not part of this build yet.\n"
               "Use audio_node options (--track, --gain, --eq, --master) to control a local node.\n";
  return argc > 1 ? 2 : 0;
}
