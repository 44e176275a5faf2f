#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "caf/expected.hpp"
#include "stretch/source_info.hpp"

namespace crowdmesh::stretch {

/// The one wrapper around libsndfile reading: opens a file, decodes interleaved
/// float frames in caller-sized blocks and seeks. Never decodes more than asked,
/// so memory stays at libsndfile's own state plus the caller's block.
///
/// Thread contract: not thread-safe; one thread at a time (the reader thread).
/// info() is immutable after open() and may be read from any thread. Blocking
/// file I/O: never call from the real-time thread.
class SndfileDecoder {
 public:
  /// Opens `path` for reading. Errors: errc::file_not_found (empty path or nothing
  /// at the absolute path; the sentence has the absolute path); errc::unreadable_file
  /// (a directory, a FIFO, a device or a socket — anything but a regular file,
  /// refused without blocking — or libsndfile refuses it; sentence has the path and libsndfile's
  /// message). Does not check channel count or rate: the caller decides what it
  /// supports. Allocates: not real-time.
  static caf::expected<std::unique_ptr<SndfileDecoder>> open(const std::string& path);

  ~SndfileDecoder();
  SndfileDecoder(const SndfileDecoder&) = delete;
  SndfileDecoder& operator=(const SndfileDecoder&) = delete;

  /// What the file is (rate, channels, frames, format, absolute path).
  const SourceInfo& info() const noexcept { return info_; }

  /// Decodes up to `frames` frames into dst (interleaved, info().file_channels
  /// floats per frame, full scale ±1.0). Returns frames decoded; 0 at end of file
  /// or after a decode error. A decode error (corrupt data; libsndfile's sf_error()
  /// is checked after every read) sets failed() and error_message(); the frames of
  /// that read are still returned, later reads return 0. A file that is merely
  /// truncated usually ends early without an error (libsndfile stops cleanly).
  std::size_t read_frames(float* dst, std::size_t frames) noexcept;

  /// Seeks so the next read_frames() starts at file frame `frame`. Clears the end
  /// of file but not failed(). Errors: errc::value_out_of_range (frame < 0 or
  /// libsndfile cannot seek there; sentence has the frame, the file length and path).
  caf::expected<void> seek(std::int64_t frame);

  /// File frame the next read_frames() starts at.
  std::int64_t position() const noexcept { return position_; }

  /// True once a read hit a decode error; the stream should be ended.
  bool failed() const noexcept { return failed_; }
  /// libsndfile's message for the decode error (with the path); empty if none.
  const std::string& error_message() const noexcept { return error_message_; }

 private:
  SndfileDecoder() = default;

  void* file_ = nullptr;  // SNDFILE*, kept opaque so users need not include sndfile.h
  SourceInfo info_;
  std::int64_t position_ = 0;
  bool failed_ = false;
  std::string error_message_;
};

}  // namespace crowdmesh::stretch
