#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "encoder/sink.hpp"

namespace crowdmesh::encoder {

/// A Sink writing each stream to a new local file (recordings, podcasts).
///
/// Files: the path pattern may hold strftime(3) fields (e.g.
/// `/rec/%Y-%m-%d/mix-%H%M%S.flac`), expanded at begin_stream() in local time;
/// a relative pattern is made absolute against the working directory at
/// construction. Missing parent directories are created (mode 0755). An
/// existing file is never overwritten: "-2", "-3", ... is added before the
/// extension (`mix.flac` → `mix-2.flac`); files are created with O_EXCL.
///
/// Durability: written bytes are kept in a small buffer (≤ 64 KiB) and handed
/// to the kernel with pwrite(2) when it fills, on seek(), at poll() and at
/// end_stream(); with the owner polling at ≥ 4 Hz a killed process (`kill -9`)
/// loses at most the bytes written since the last poll. A write() more than
/// one second after the last hand-over also flushes, so an owner that polls
/// late loses at most about one second. No fsync: a power cut may lose what
/// the kernel had not written back yet.
///
/// Seekable (FLAC rewrites STREAMINFO and its seek table, LAME its Info tag):
/// seek() to any offset up to the current end of the file.
///
/// Rotation: wants_new_stream() becomes true once `rotate_seconds` (SinkOptions)
/// have passed since the stream began, measured with the injected monotonic
/// clock.
///
/// Errors never throw: a file that cannot be created gives errc::io_error
/// "cannot create /abs/path: <reason>" from begin_stream(); a failed write is
/// counted (SinkStatus::errors), its sentence kept in last_error, the state
/// becomes failed and later writes of that stream return false.
///
/// Thread contract: one owner thread calls everything except status(), which
/// any thread may call.
class FileSink final : public Sink {
 public:
  /// A monotonic clock in ns (for rotation).
  using Clock = std::function<std::int64_t()>;

  /// `pattern`: path with optional strftime fields (see class comment).
  /// `now_ns`: monotonic clock for rotation; empty = std::chrono::steady_clock.
  /// Nothing is created before begin_stream().
  explicit FileSink(std::string pattern, SinkOptions options = {}, Clock now_ns = {});
  /// Flushes and closes the current file, if any.
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  /// Expands the strftime fields of `pattern` for `when` in local time (TZ);
  /// "%%" gives "%". A pattern without fields is returned unchanged.
  static std::string expand_pattern(const std::string& pattern, std::time_t when);
  /// `path` with "-N" inserted before the extension of its last component
  /// (`/a/b.flac`, 2 → `/a/b-2.flac`; `/a/b`, 3 → `/a/b-3`).
  static std::string numbered_path(const std::string& path, int n);

  /// The absolute pattern (strftime fields not yet expanded).
  const std::string& pattern() const { return pattern_; }

  caf::expected<void> begin_stream(const StreamInfo& info) override;
  void end_stream() override;
  bool wants_new_stream() override;
  void poll() override;
  SinkStatus status() const override;

  bool write(const std::uint8_t* data, std::size_t n) override;
  std::uint64_t tell() const override { return pos_; }
  bool seekable() const override { return true; }
  bool seek(std::uint64_t offset) override;

 private:
  static constexpr std::size_t kBufferBytes = 64 * 1024;
  static constexpr std::int64_t kMaxHoldNs = 1'000'000'000;

  bool flush();
  void fail_write(const std::string& what, int err);
  void close_file();

  std::string pattern_;
  SinkOptions options_;
  Clock now_ns_;

  int fd_ = -1;
  std::string path_;
  std::uint64_t pos_ = 0;         ///< logical position (bytes from the file's start)
  std::uint64_t end_ = 0;         ///< file size as far as handed to the kernel
  std::uint64_t buf_offset_ = 0;  ///< file offset of buffer_[0]
  std::vector<std::uint8_t> buffer_;
  std::int64_t stream_start_ns_ = 0;
  std::int64_t last_flush_ns_ = 0;
  bool write_failed_ = false;

  mutable std::mutex mutex_;  ///< guards status_
  SinkStatus status_;
};

}  // namespace crowdmesh::encoder
