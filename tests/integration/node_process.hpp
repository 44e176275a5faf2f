#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace crowdmesh::test {

/// The outcome of running the audio_node binary once.
struct NodeRun {
  int exit_status = -1;    ///< process exit status (WEXITSTATUS), -1 if it did not exit normally
  std::string out;         ///< stdout
  std::string err;         ///< stderr (the log)
  nlohmann::json summary;  ///< --summary-json content (null when not written)
};

/// Runs audio_node (path compiled in) with `args` in `work_dir`, waiting for
/// it to exit; adds --summary-json and --log-level info, and --osc off when
/// `args` has none of --config, --osc, --mesh. Arguments are single-quoted
/// for the shell.
NodeRun run_audio_node(const std::vector<std::string>& args, const std::string& work_dir);

/// The folder holding Debian's asc-music MP3s: $CROWDMESH_MUSIC_DIR, else
/// ~/.cache/crowdmesh/music. Empty when it has no frontiers.mp3.
std::string music_dir();

}  // namespace crowdmesh::test
