#pragma once
#include <cstdint>

namespace crowdmesh::telemetry {

/// One reading of this process's resource use.
struct ProcessSample {
  /// CPU time used by all threads of the process since the previous sample,
  /// over the wall time since then, in percent of one core (200 = two cores
  /// busy). The first sample covers the time since the process started.
  double cpu_percent = 0.0;
  /// CPU time (user + system, all threads) since the process started, in s
  /// (Prometheus: `process_cpu_seconds_total`).
  double cpu_seconds_total = 0.0;
  /// Resident set size in bytes (`/proc/self/statm` resident pages × page size).
  std::uint64_t rss_bytes = 0;
  /// Threads of the process (`/proc/self/stat` field 20, num_threads).
  std::uint32_t threads = 0;
  /// Time since the process started, in s (CLOCK_BOOTTIME minus
  /// `/proc/self/stat` field 22, starttime).
  double uptime_seconds = 0.0;
};

/// Samples this process's CPU use, RSS, thread count and uptime from Linux
/// procfs (proc(5)). CPU time is read with clock_gettime(CLOCK_PROCESS_CPUTIME_ID),
/// the same user + system time as `/proc/self/stat` utime + stime but in ns
/// instead of clock ticks (10 ms), so a 10 Hz sampler stays precise.
///
/// A file that cannot be read or parsed leaves its fields at 0 (rss_bytes
/// from statm; threads and uptime_seconds from stat; cpu_percent is then 0 on
/// the first sample, which needs the uptime). Never throws; no heap allocation.
/// Thread contract: not thread-safe; one owner (e.g. the telemetry actor).
class ProcessSampler {
 public:
  /// Takes a reading; see ProcessSample for what each field covers.
  ProcessSample sample() noexcept;

 private:
  bool has_previous_ = false;
  double previous_cpu_s_ = 0.0;
  double previous_wall_s_ = 0.0;  ///< CLOCK_BOOTTIME, s
};

}  // namespace crowdmesh::telemetry
