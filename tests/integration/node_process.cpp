#include "node_process.hpp"

#include <cmath>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/wait.h>

#include "child_process.hpp"

namespace crowdmesh::test {

namespace {
std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
std::string slurp(const std::string& path) { return read_text(path); }
}  // namespace

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ControlRun run_control_node(const std::string& binary, const std::vector<std::string>& args,
                            const std::string& work_dir) {
  std::vector<std::string> argv{binary};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto out = work_dir + "/control_node.out", err = work_dir + "/control_node.err";
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = spawn_process(argv, out, err);
  ControlRun r;
  r.status = pid > 0 ? wait_for_exit(pid, std::chrono::seconds(35)).value_or(-1) : -1;
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

NodeRun run_audio_node(const std::vector<std::string>& args, const std::string& work_dir) {
  const std::string summary = work_dir + "/summary.json";
  std::filesystem::remove(summary);
  std::string cmd = "cd " + quote(work_dir) + " && " + quote(AUDIO_NODE_BIN);
  for (const auto& a : args) cmd += " " + quote(a);
  // A one-node run without --config must not depend on 57122 being free (a
  // local cluster may hold it, and a held OSC port stops the node): no OSC
  // unless the test asks for it.
  const auto given = [&](const char* opt) { return std::find(args.begin(), args.end(), opt) != args.end(); };
  if (!given("--config") && !given("--osc") && !given("--mesh")) cmd += " --osc off";
  cmd += " --log-level info --summary-json " + quote(summary);
  cmd += " > " + quote(work_dir + "/out.txt") + " 2> " + quote(work_dir + "/err.txt");
  NodeRun r;
  const int status = std::system(cmd.c_str());
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(work_dir + "/out.txt");
  r.err = slurp(work_dir + "/err.txt");
  if (std::filesystem::exists(summary)) r.summary = nlohmann::json::parse(slurp(summary), nullptr, false);
  return r;
}

std::string music_dir() {
  std::string dir;
  if (const char* env = std::getenv("CROWDMESH_MUSIC_DIR"); env && *env)
    dir = env;
  else if (const char* home = std::getenv("HOME"))
    dir = std::string(home) + "/.cache/crowdmesh/music";
  return std::filesystem::exists(dir + "/frontiers.mp3") ? dir : std::string();
}

std::string producer_fault(const nlohmann::json& summary) {
  if (!summary.is_object()) return "no run summary";
  const auto under = summary.value("underrun_frames", 0.0);
  if (under == 0 || summary.value("device_xruns", 0.0) > 0) return "";
  const auto playout = summary.value("playout", nlohmann::json::object());
  const auto stalls = playout.value("stalls_past_ring", 0.0);
  // The playout's own work is its CPU time plus its wait for the mixer's
  // lock; its wall time also holds what the host took (preemption, a VM
  // stall), which stalls_past_ring already counts.
  const auto work_us = playout.value("longest_work_cpu_us", 0.0) + playout.value("longest_lock_wait_us", 0.0);
  const auto period_us = summary.value("period_us", 0.0);
  if (stalls == 0)
    return std::to_string(static_cast<long long>(under)) +
           " producer underrun frames with no host stall past the ring's lead: a product fault";
  if (period_us > 0 && work_us > period_us)
    return std::to_string(static_cast<long long>(under)) +
           " producer underrun frames; the playout's own work (CPU time plus lock wait) took " +
           std::to_string(static_cast<long long>(work_us)) + " us, over a period";
  // A stall excuses at most what it can have cost: each stall past the ring,
  // as long as the longest wake latency, empties the ring for that long.
  const auto latency_us = playout.value("longest_wake_latency_us", 0.0);
  const auto period_frames = summary.value("period_frames", 0.0);
  if (period_us > 0 && period_frames > 0) {
    const auto excusable = stalls * std::ceil(latency_us / period_us) * period_frames;
    if (under > excusable)
      return std::to_string(static_cast<long long>(under)) + " producer underrun frames, more than " +
             std::to_string(static_cast<long long>(stalls)) + " host stalls of up to " +
             std::to_string(static_cast<long long>(latency_us)) + " us can explain (" +
             std::to_string(static_cast<long long>(excusable)) + " frames)";
  }
  return "";
}

std::string host_lateness(const nlohmann::json& summary) {
  if (!summary.is_object()) return "no run summary";
  const auto playout = summary.value("playout", nlohmann::json::object());
  return "host lateness: " + std::to_string(static_cast<long long>(playout.value("stalls_past_ring", 0.0))) +
         " playout wake-ups past the ring's lead (longest wake latency " +
         std::to_string(static_cast<long long>(playout.value("longest_wake_latency_us", 0.0))) + " us), " +
         std::to_string(static_cast<long long>(summary.value("device_xruns", 0.0))) + " device xruns; " +
         std::to_string(static_cast<long long>(summary.value("underrun_frames", 0.0))) + " underrun frames";
}

}  // namespace crowdmesh::test
