#include "telemetry/process_stats.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace crowdmesh::telemetry {
namespace {

// Reads a small procfs file into buf (NUL-terminated); false on failure.
bool read_small_file(const char* path, char* buf, std::size_t size) noexcept {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::size_t used = 0;
  while (used + 1 < size) {
    const ssize_t n = ::read(fd, buf + used, size - 1 - used);
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  buf[used] = '\0';
  return used > 0;
}

double clock_s(clockid_t id) noexcept {
  timespec ts{};
  if (::clock_gettime(id, &ts) != 0) return 0.0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Fields of /proc/self/stat we need, by their proc(5) numbers.
struct StatFields {
  std::uint64_t num_threads = 0;  // field 20
  std::uint64_t starttime = 0;    // field 22, clock ticks after boot
};

bool parse_stat(const char* text, StatFields& out) noexcept {
  // Field 2 (comm) is in parentheses and may hold spaces or ')': skip to the last ')'.
  const char* p = std::strrchr(text, ')');
  if (p == nullptr) return false;
  ++p;
  bool got_threads = false;
  for (int field = 3; field <= 22; ++field) {
    while (*p == ' ') ++p;
    if (*p == '\0' || *p == '\n') return false;
    if (field == 20 || field == 22) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(p, &end, 10);
      if (end == p) return false;
      if (field == 20) {
        out.num_threads = v;
        got_threads = true;
      } else {
        out.starttime = v;
      }
      p = end;
    } else {
      while (*p != ' ' && *p != '\0' && *p != '\n') ++p;
    }
  }
  return got_threads;
}

}  // namespace

ProcessSample ProcessSampler::sample() noexcept {
  ProcessSample s;
  const double wall_s = clock_s(CLOCK_BOOTTIME);
  const double cpu_s = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  s.cpu_seconds_total = cpu_s;

  char buf[1024];
  if (read_small_file("/proc/self/stat", buf, sizeof(buf))) {
    StatFields f;
    const long ticks = ::sysconf(_SC_CLK_TCK);
    if (parse_stat(buf, f) && ticks > 0) {
      s.threads = static_cast<std::uint32_t>(f.num_threads);
      const double started_s = static_cast<double>(f.starttime) / static_cast<double>(ticks);
      s.uptime_seconds = wall_s > started_s ? wall_s - started_s : 0.0;
    }
  }
  if (read_small_file("/proc/self/statm", buf, sizeof(buf))) {
    // statm: size resident shared text lib data dt (pages)
    char* end = nullptr;
    std::strtoull(buf, &end, 10);
    if (end != buf) {
      const char* p = end;
      const unsigned long long resident = std::strtoull(p, &end, 10);
      const long page = ::sysconf(_SC_PAGESIZE);
      if (end != p && page > 0) s.rss_bytes = static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(page);
    }
  }

  if (has_previous_) {
    const double dt = wall_s - previous_wall_s_;
    if (dt > 0.0) s.cpu_percent = 100.0 * (cpu_s - previous_cpu_s_) / dt;
  } else if (s.uptime_seconds > 0.0) {
    s.cpu_percent = 100.0 * cpu_s / s.uptime_seconds;
  }
  has_previous_ = true;
  previous_cpu_s_ = cpu_s;
  previous_wall_s_ = wall_s;
  return s;
}

}  // namespace crowdmesh::telemetry
