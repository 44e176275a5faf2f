#pragma once
#include <cstdint>
#include <string>

namespace crowdmesh::stretch {

/// What a source file is, as libsndfile reports it at open time. Immutable after
/// open; safe to read from any thread.
struct SourceInfo {
  /// Absolute, lexically normalised path of the file opened.
  std::string path;
  /// Short container/codec name: "WAV", "AIFF", "FLAC", "OGG", "MP3", "CAF", … (from
  /// the major type; libsndfile's own long name for anything else).
  std::string format;
  /// libsndfile's long names from sf_command(SFC_GET_FORMAT_INFO /
  /// SFC_GET_FORMAT_SUBTYPE), e.g. "WAV (Microsoft), 32 bit float".
  std::string format_name;
  /// File sample rate in Hz.
  int file_rate_hz = 0;
  /// Channels in the file (interleaved).
  int file_channels = 0;
  /// Length in file frames as reported by libsndfile (an estimate for MP3).
  std::int64_t file_frames = 0;
};

}  // namespace crowdmesh::stretch
