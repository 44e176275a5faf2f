#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "caf/expected.hpp"
#include "rt/spsc_queue.hpp"

namespace crowdmesh::device {

/// Ground truth of a virtual device: when device frames reached the (virtual)
/// DAC on the host's raw clock (CLOCK_MONOTONIC_RAW, shared by every node on
/// the machine), so that an independent analyser
/// (tests/integration/sync_analyser.py) can place each room's recording on one
/// true timeline.
///
/// File format (text): a header line
///   `# crowdmesh truth log v1 rate_hz=48000 skew_ppm=100 node=room-a`
/// then lines `DEVICE_FRAME RAW_NS`: device frame DEVICE_FRAME (counted from the
/// stream's first frame, silence included — the same index as the frame of a
/// `--record` WAV) reached the DAC at RAW_NS. Frames between two lines lie on
/// the straight line through them; a jump (the clock resynchronised after a
/// stall) starts a new line segment.
///
/// Thread contract: add() from the virtual clock thread (wait-free: a queue
/// push; an entry that does not fit is counted in dropped()); a writer thread
/// owned by this object appends to the file. Construction and destruction are
/// not real-time.
class TruthLog {
 public:
  /// One mapping point.
  struct Entry {
    std::uint64_t device_frame = 0;
    std::int64_t raw_ns = 0;
  };

  /// Creates (truncates) `path` and writes the header. Errors:
  /// errc::io_error naming the absolute path.
  static caf::expected<std::unique_ptr<TruthLog>> open(const std::string& path, int rate_hz, double skew_ppm,
                                                       const std::string& node);
  ~TruthLog();
  TruthLog(const TruthLog&) = delete;
  TruthLog& operator=(const TruthLog&) = delete;

  /// RT thread: one more mapping point. Wait-free.
  void add(std::uint64_t device_frame, std::int64_t raw_ns) noexcept;
  /// Entries lost because the writer fell behind.
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  /// The file's absolute path.
  const std::string& path() const noexcept { return path_; }

 private:
  TruthLog(std::string path, std::FILE* file);
  void run();

  std::string path_;
  std::FILE* file_;
  rt::SpscQueue<Entry> queue_{1 << 16};
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace crowdmesh::device
