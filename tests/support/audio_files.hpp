#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace crowdmesh::test {

/// Audio read back from a file: interleaved float samples.
struct AudioData {
  int sample_rate_hz = 0;
  int channels = 0;
  std::int64_t frames = 0;
  std::vector<float> samples;  ///< interleaved, frames × channels
};

/// Writes a sine (amplitude 0..1, same on every channel) as a 32-bit float WAV.
/// Returns false when libsndfile cannot write the file.
bool write_sine_wav(const std::string& path, int sample_rate_hz, int channels, double seconds, double frequency_hz,
                    double amplitude = 0.5);

/// Writes a click track as a 32-bit float WAV: silence with a 5 ms 2 kHz burst
/// (peak 0.8, every channel) on every beat at `bpm`, the first at 0 s. Beat k
/// starts at frame round(k × 60 / bpm × rate). False when it cannot be written.
bool write_click_track_wav(const std::string& path, int sample_rate_hz, int channels, double seconds, double bpm);

/// Writes `bytes` pseudo-random bytes (fixed seed) to path.
bool write_random_bytes(const std::string& path, std::size_t bytes);

/// Copies the first `bytes` bytes of `from` to `to` (a truncated file).
bool write_truncated_copy(const std::string& from, const std::string& to, std::size_t bytes);

/// Reads a whole audio file with libsndfile; frames == 0 and empty samples on failure.
AudioData read_audio(const std::string& path);

/// RMS over all channels in dBFS (1.0 = 0 dBFS; −200 for silence).
double rms_dbfs(const AudioData& audio);

/// RMS of frames [first, first+count) over all channels, dBFS.
double rms_dbfs(const AudioData& audio, std::int64_t first, std::int64_t count);

/// A fresh empty temporary folder (removed by the caller or left in /tmp).
std::string make_temp_dir(const std::string& prefix);

}  // namespace crowdmesh::test
