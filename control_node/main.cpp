// control_node: the operator's command-line tool. Talks to one node's gateway
// (DEALER → ROUTER, default tcp://127.0.0.1:7700), which forwards to the target.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "control_node/command_line.hpp"
#include "control_node/command_runner.hpp"
#include "mesh/mesh_client.hpp"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

std::string client_source() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "host");
  return std::string{host} + "-ctl" + std::to_string(getpid()) + "/cli";
}

std::uint64_t random_correlation_id() {
  std::random_device device;
  std::uint64_t id = 0;
  while (id == 0) id = (static_cast<std::uint64_t>(device()) << 32) | device();
  return id;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace crowdmesh::control;
  auto request =
      CommandLine::parse(std::vector<std::string>(argv + 1, argv + argc), client_source(), random_correlation_id());
  if (!request) {
    std::cerr << "control_node: " << crowdmesh::error_sentence(request.error()) << "\n";
    return kExitUsage;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  crowdmesh::mesh::MeshClient client;
  CommandRunner runner{client, std::cout, std::cerr};
  return runner.run(std::move(*request), g_stop);
}
