#include "actor_system_setup.hpp"

#include "common/error.hpp"

#include <caf/atom.hpp>

#include <algorithm>
#include <thread>

namespace crowdmesh::node {

std::size_t scheduler_threads(unsigned cores) noexcept { return std::clamp<std::size_t>(cores, 2, 4); }

void configure_actor_system(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", scheduler_threads(std::thread::hardware_concurrency()));
  cfg.add_error_category(caf::atom("crowdmesh"), render_error);
}

}  // namespace crowdmesh::node
