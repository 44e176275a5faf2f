#pragma once
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace crowdmesh::test {

/// Starts `args[0]` (absolute path) with `args`, inheriting the environment;
/// stdout/stderr go to the given files ("" = /dev/null). Returns the pid, or
/// -1 when it could not start.
pid_t spawn_process(const std::vector<std::string>& args, const std::string& out_path = "",
                    const std::string& err_path = "");

/// Waits up to `timeout` for `pid` to exit; its exit status (WEXITSTATUS, or
/// 128 + signal), or nullopt when it is still running.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

/// SIGTERM, then SIGKILL after `grace`; reaps the child. Returns its status.
int terminate_process(pid_t pid, std::chrono::milliseconds grace = std::chrono::seconds(5));

/// Runs a program to completion with output discarded; its exit status or -1.
int run_quiet(const std::vector<std::string>& args);

}  // namespace crowdmesh::test
