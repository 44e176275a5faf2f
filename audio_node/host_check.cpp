#include "host_check.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace crowdmesh::node {

namespace {

std::string first_line(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

std::uint64_t limit_of(int resource) {
  rlimit r{};
  if (::getrlimit(resource, &r) != 0) return 0;
  return r.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(r.rlim_cur);
}

// Raspberry Pi firmware bits (raspberrypi.com documentation, vcgencmd get_throttled).
constexpr std::uint32_t kUnderVoltageNow = 1u << 0;
constexpr std::uint32_t kThrottledNow = 1u << 2;
constexpr std::uint32_t kUnderVoltageSinceBoot = 1u << 16;
constexpr std::uint32_t kThrottledSinceBoot = 1u << 18;

}  // namespace

HostFacts read_host_facts() {
  namespace fs = std::filesystem;
  HostFacts f;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/devices/system/cpu", ec)) {
    const auto name = e.path().filename().string();
    if (name.rfind("cpu", 0) != 0 || name.size() < 4 || !std::isdigit(static_cast<unsigned char>(name[3]))) continue;
    const auto g = first_line(e.path() / "cpufreq" / "scaling_governor");
    if (!g.empty()) f.governors.push_back(g);
  }
  f.rtprio_limit = limit_of(RLIMIT_RTPRIO);
  f.memlock_limit_bytes = limit_of(RLIMIT_MEMLOCK);
  f.running_as_root = ::geteuid() == 0;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmLck:", 0) == 0) {
      std::istringstream in(line.substr(6));
      long kb = 0;
      in >> kb;
      f.memory_locked = kb > 0;
    }
  const auto throttled = first_line("/sys/devices/platform/soc/soc:firmware/get_throttled");
  if (!throttled.empty()) {
    try {
      f.throttled_flags = static_cast<std::uint32_t>(std::stoul(throttled, nullptr, 16));
    } catch (...) {
    }
  }
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    std::set<std::string> seen;
    for (auto* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr || !(a->ifa_flags & IFF_UP) || (a->ifa_flags & IFF_LOOPBACK)) continue;
      if (!seen.insert(a->ifa_name).second) continue;
      f.interfaces_up.push_back({a->ifa_name, fs::exists(fs::path("/sys/class/net") / a->ifa_name / "wireless", ec)});
    }
    ::freeifaddrs(list);
  }
  return f;
}

std::vector<std::string> host_findings(const HostFacts& f) {
  std::vector<std::string> out;
  if (f.throttled_flags) {
    const auto t = *f.throttled_flags;
    if (t & (kUnderVoltageNow | kThrottledNow))
      out.push_back("The Raspberry Pi is under-voltage or throttled now (get_throttled 0x" + [&] {
        std::ostringstream s;
        s << std::hex << t;
        return s.str();
      }() + "): use the official 5 V power supply; xruns will follow.");
    else if (t & (kUnderVoltageSinceBoot | kThrottledSinceBoot))
      out.push_back("The Raspberry Pi was under-voltage or throttled since boot (get_throttled 0x" + [&] {
        std::ostringstream s;
        s << std::hex << t;
        return s.str();
      }() + "): check the power supply and cooling.");
  }
  if (!f.running_as_root && f.rtprio_limit == 0)
    out.push_back(
        "Real-time priority is not allowed (RLIMIT_RTPRIO 0): the device callback runs at normal priority. "
        "Run as the audio_node@ service (LimitRTPRIO=95) or add '@audio - rtprio 95' to "
        "/etc/security/limits.d/ and put the user in the audio group.");
  if (!f.memory_locked) {
    if (!f.running_as_root && f.memlock_limit_bytes != UINT64_MAX && f.memlock_limit_bytes < (64u << 20))
      out.push_back("Locked memory is limited to " + std::to_string(f.memlock_limit_bytes >> 10) +
                    " KiB: the node cannot mlockall, so page faults can reach the real-time path. Set "
                    "LimitMEMLOCK=infinity (service) or '@audio - memlock unlimited' in /etc/security/limits.d/.");
    else
      out.push_back("This process's memory is not locked (VmLck 0): audio_node locks it at start when allowed.");
  }
  std::size_t slow = 0;
  std::string example;
  for (const auto& g : f.governors)
    if (g != "performance") {
      ++slow;
      example = g;
    }
  if (slow > 0)
    out.push_back("CPU frequency governor is '" + example + "' on " + std::to_string(slow) + " of " +
                  std::to_string(f.governors.size()) +
                  " CPUs: frequency changes add wake-up latency; set 'performance' (e.g. "
                  "cpufreq-set -g performance, or GOVERNOR=\"performance\" in /etc/default/cpufrequtils).");
  const bool any_wired =
      std::any_of(f.interfaces_up.begin(), f.interfaces_up.end(), [](const auto& i) { return !i.wireless; });
  const auto wifi =
      std::find_if(f.interfaces_up.begin(), f.interfaces_up.end(), [](const auto& i) { return i.wireless; });
  if (!any_wired && wifi != f.interfaces_up.end())
    out.push_back("The mesh can only use Wi-Fi (" + wifi->name +
                  "): clock sync and audio streams suffer from its jitter and loss; use wired Ethernet for the rooms.");
  return out;
}

}  // namespace crowdmesh::node
