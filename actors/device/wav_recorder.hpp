#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "caf/expected.hpp"

namespace crowdmesh::device {

/// Writes interleaved float frames to a 32-bit float WAV file (libsndfile), so
/// the file holds exactly the samples the device played.
///
/// Thread contract: one non-real-time thread (the device actor's).
class WavRecorder {
 public:
  /// Creates/truncates `path`. Errors: io_error naming the absolute path and
  /// libsndfile's reason.
  static caf::expected<std::unique_ptr<WavRecorder>> open(const std::string& path, int sample_rate_hz, int channels);
  ~WavRecorder();
  WavRecorder(const WavRecorder&) = delete;
  WavRecorder& operator=(const WavRecorder&) = delete;

  /// Appends `frames` frames; returns false on a write error (counted, see errors()).
  bool write(const float* interleaved, std::size_t frames);
  /// Finalises the header and closes the file (also done by the destructor).
  void close();

  const std::string& path() const { return path_; }
  std::uint64_t frames_written() const { return frames_written_; }
  std::uint64_t errors() const { return errors_; }

 private:
  WavRecorder(std::string path, void* handle, int channels);
  std::string path_;
  void* handle_;  // SNDFILE*
  int channels_;
  std::uint64_t frames_written_ = 0;
  std::uint64_t errors_ = 0;
};

}  // namespace crowdmesh::device
