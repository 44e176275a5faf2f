#pragma once
// What `control_node doctor` checks on the machine itself (docs/RASPBERRY_PI.md).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace crowdmesh::node {

/// Facts about the host that decide whether real-time audio can hold up.
/// Read by read_host_facts(); filled by hand in tests.
struct HostFacts {
  /// cpufreq governor of each CPU ("performance", "ondemand", "schedutil", ...);
  /// empty when the kernel has no cpufreq (a VM).
  std::vector<std::string> governors;
  /// RLIMIT_RTPRIO soft limit: highest SCHED_FIFO priority this process may
  /// take (0 = none; root is not limited and reads as `running_as_root`).
  std::uint64_t rtprio_limit = 0;
  /// RLIMIT_MEMLOCK soft limit, bytes (UINT64_MAX = unlimited).
  std::uint64_t memlock_limit_bytes = 0;
  bool running_as_root = false;
  /// VmLck of this process (from /proc/self/status) > 0 or mlockall active.
  bool memory_locked = false;
  /// Raspberry Pi firmware throttling flags (vcgencmd get_throttled, from
  /// /sys/devices/platform/soc/soc:firmware/get_throttled); empty elsewhere.
  std::optional<std::uint32_t> throttled_flags;
  /// Network interfaces that are up with an address, by kernel name, and
  /// whether each is wireless (/sys/class/net/NAME/wireless exists).
  struct Interface {
    std::string name;
    bool wireless = false;
  };
  std::vector<Interface> interfaces_up;
};

/// Reads HostFacts from /sys, /proc and getrlimit(2). Never fails: what
/// cannot be read stays empty/zero.
HostFacts read_host_facts();

/// One sentence per finding, worst first, each naming what was seen and what
/// to set (docs/RASPBERRY_PI.md): a CPU governor other than "performance"
/// (frequency changes add wake-up latency), no real-time priority allowed
/// (the device callback then runs SCHED_OTHER), locked memory not allowed or
/// not in effect, Pi under-voltage or throttling (now or since boot), and mesh
/// traffic on Wi-Fi only (sync and loss suffer: wired Ethernet advised). Pure.
std::vector<std::string> host_findings(const HostFacts& facts);

}  // namespace crowdmesh::node
