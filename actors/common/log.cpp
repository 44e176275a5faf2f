#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace crowdmesh {

void init_logging(const std::string& level) {
  spdlog::drop("crowdmesh");  // callable again (several nodes in one test process)
  auto logger = spdlog::stderr_color_mt("crowdmesh");
  logger->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

}  // namespace crowdmesh
