#pragma once
#include <string>

#include <spdlog/spdlog.h>

namespace crowdmesh {

/// Configures the process-wide logger (stderr, "[time] [level] [actor] text").
/// level: "trace" | "debug" | "info" | "warn" | "error" | "off". Call from main
/// before spawning actors; calling again replaces the logger. Never call logging from the RT callback.
void init_logging(const std::string& level);

}  // namespace crowdmesh
