#include "device/truth_log.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/error.hpp"

namespace crowdmesh::device {

caf::expected<std::unique_ptr<TruthLog>> TruthLog::open(const std::string& path, int rate_hz, double skew_ppm,
                                                        const std::string& node) {
  std::error_code ec;
  const auto abs = std::filesystem::absolute(path, ec).string();
  std::FILE* f = std::fopen(abs.c_str(), "w");
  if (f == nullptr)
    return make_error(errc::io_error, "cannot create the truth log " + abs + ": " + std::strerror(errno));
  std::fprintf(f, "# crowdmesh truth log v1 rate_hz=%d skew_ppm=%.6f node=%s\n", rate_hz, skew_ppm,
               node.empty() ? "-" : node.c_str());
  return std::unique_ptr<TruthLog>(new TruthLog(abs, f));
}

TruthLog::TruthLog(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {
  writer_ = std::thread([this] { run(); });
}

TruthLog::~TruthLog() {
  stop_.store(true, std::memory_order_release);
  if (writer_.joinable()) writer_.join();
  std::fclose(file_);
}

void TruthLog::add(std::uint64_t device_frame, std::int64_t raw_ns) noexcept {
  if (!queue_.try_push(Entry{device_frame, raw_ns}))
    dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void TruthLog::run() {
  Entry e;
  for (;;) {
    const bool last = stop_.load(std::memory_order_acquire);
    bool any = false;
    while (queue_.try_pop(e)) {
      std::fprintf(file_, "%llu %lld\n", static_cast<unsigned long long>(e.device_frame),
                   static_cast<long long>(e.raw_ns));
      any = true;
    }
    if (any) std::fflush(file_);
    if (last) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace crowdmesh::device
