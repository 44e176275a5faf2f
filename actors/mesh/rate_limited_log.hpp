#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>

namespace crowdmesh::mesh {

/// Rate limiter for log lines about bad external input: at most one line per
/// kind per interval; the lines in between are counted and the count is
/// reported with the next line. Time is passed in (ns, any monotonic clock),
/// so tests need no sleeps. Not thread-safe: one owner (the gateway thread).
class RateLimitedLog {
 public:
  /// Default interval between two lines of one kind, ns (10 s).
  static constexpr std::int64_t kDefaultIntervalNs = 10'000'000'000LL;

  /// interval_ns: minimum time between two lines of the same kind.
  explicit RateLimitedLog(std::int64_t interval_ns = kDefaultIntervalNs) : interval_ns_(interval_ns) {}

  /// True if a line of `kind` may be written at now_ns; then *suppressed is
  /// the number of lines of that kind swallowed since the last one written.
  /// False (line counted as suppressed) otherwise.
  bool should_log(const std::string& kind, std::int64_t now_ns, std::uint64_t* suppressed);

  /// Logs `text` at warn level through spdlog when should_log() allows, with
  /// " (N similar lines suppressed)" appended when N > 0.
  void warn(const std::string& kind, std::int64_t now_ns, const std::string& text);

 private:
  struct Kind {
    std::int64_t last_ns = 0;
    bool logged = false;
    std::uint64_t suppressed = 0;
  };
  std::int64_t interval_ns_;
  std::unordered_map<std::string, Kind> kinds_;
};

}  // namespace crowdmesh::mesh
