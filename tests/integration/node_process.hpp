#pragma once
#include <chrono>
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

/// Empty when the run summary `summary` (--summary-json) shows no producer
/// underrun that the product caused; else a sentence with the figures.
/// Producer underruns are ours, unless the host stalled the playout thread
/// past the ring's lead (playout.stalls_past_ring > 0, with the playout's
/// own work under a period) or woke the virtual clock past the card's buffer
/// (device_xruns > 0): that is host lateness, which the sentence-free result
/// lets pass and host_lateness() prints — up to what the stalls can have
/// cost (stalls × the longest wake latency in whole periods); more is ours.
std::string producer_fault(const nlohmann::json& summary);

/// One line of host-lateness figures of a run summary (stalls past the ring,
/// longest wake latency, device xruns), for the test log.
std::string host_lateness(const nlohmann::json& summary);

/// The outcome of one control_node run.
struct ControlRun {
  int status = -1;                ///< exit status, -1 when it did not exit within 35 s
  std::string out;                ///< stdout
  std::string err;                ///< stderr
  std::chrono::milliseconds took{0};  ///< wall time from start to exit
};

/// Runs the control_node binary `binary` with `args` (give "--connect ENDPOINT"
/// first to pick a node), its output in files under `work_dir`, and waits up
/// to 35 s for it to exit.
ControlRun run_control_node(const std::string& binary, const std::vector<std::string>& args,
                            const std::string& work_dir);

/// The whole content of the file at `path` ("" when unreadable).
std::string read_text(const std::string& path);

/// The folder holding Debian's asc-music MP3s: $CROWDMESH_MUSIC_DIR, else
/// ~/.cache/crowdmesh/music. Empty when it has no frontiers.mp3.
std::string music_dir();

}  // namespace crowdmesh::test
