#pragma once
// Helpers shared by the stretch unit tests: a temp dir, libsndfile writers and
// an IEEE 1057 three-parameter sine fit.
#include <sndfile.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "stretch/file_source.hpp"

namespace crowdmesh::stretch::test {

inline constexpr double kPi = 3.14159265358979323846;

/// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "crowdmesh_stretch_XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Writes interleaved `samples` (channels per frame) with libsndfile `format`
/// (e.g. SF_FORMAT_WAV | SF_FORMAT_FLOAT). Returns false if libsndfile refuses.
inline bool write_audio(const std::string& path, int format, int rate, int channels,
                        const std::vector<float>& samples) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (f == nullptr) return false;
  const sf_count_t frames = static_cast<sf_count_t>(samples.size() / static_cast<std::size_t>(channels));
  const sf_count_t put = sf_writef_float(f, samples.data(), frames);
  sf_close(f);
  return put == frames;
}

/// `frames` frames of amp·sin(2π·freq·n/rate + phase), the same value on every channel.
inline std::vector<float> sine(std::size_t frames, int channels, double rate, double freq, double amp,
                               double phase = 0.0) {
  std::vector<float> out(frames * static_cast<std::size_t>(channels));
  for (std::size_t n = 0; n < frames; ++n) {
    const auto v = static_cast<float>(amp * std::sin(2.0 * kPi * freq * static_cast<double>(n) / rate + phase));
    for (int c = 0; c < channels; ++c) out[n * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] = v;
  }
  return out;
}

/// Upper bound on what read_all() collects, so a source that never ends (a bug,
/// or a loop) fails a test instead of eating the machine's memory.
inline constexpr std::size_t kReadAllLimitFrames = 2'000'000;

/// Single-threaded drain: fill() and read() alternately until finished() or
/// `limit` frames were read. Returns interleaved output.
inline std::vector<float> read_all(FileSource& src, std::size_t limit = kReadAllLimitFrames) {
  const auto ch = static_cast<std::size_t>(src.config().device_channels);
  std::vector<float> out;
  std::vector<float> block(1024 * ch);
  while (!src.finished() && out.size() / ch < limit) {
    src.fill();
    const std::size_t want = std::min<std::size_t>(1024, limit - out.size() / ch);
    const std::size_t n = src.read(block.data(), want);
    out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n * ch));
    if (n == 0 && src.input_ended() && src.available() == 0) break;
  }
  return out;
}

/// Channel `c` of interleaved `x` as doubles.
inline std::vector<double> channel(const std::vector<float>& x, int channels, int c) {
  std::vector<double> out(x.size() / static_cast<std::size_t>(channels));
  for (std::size_t n = 0; n < out.size(); ++n)
    out[n] = x[n * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)];
  return out;
}

/// Result of a three-parameter sine fit.
struct SineFit {
  double a = 0, b = 0, c = 0;   ///< x ≈ a·sin(ωn) + b·cos(ωn) + c
  double snr_db = 0;            ///< 10·log10(P_signal / P_residual)
  double max_abs_residual = 0;  ///< worst single-sample error
};

/// IEEE 1057 three-parameter least-squares sine fit at known frequency
/// `freq_hz` / `rate_hz` over x[begin, end). SNR = 10·log10(P_fit / P_residual).
inline SineFit fit_sine(const std::vector<double>& x, std::size_t begin, std::size_t end, double freq_hz,
                        double rate_hz) {
  const double w = 2.0 * kPi * freq_hz / rate_hz;
  double m[3][3] = {};
  double v[3] = {};
  for (std::size_t n = begin; n < end; ++n) {
    const double t = static_cast<double>(n);
    const double row[3] = {std::sin(w * t), std::cos(w * t), 1.0};
    for (int i = 0; i < 3; ++i) {
      v[i] += row[i] * x[n];
      for (int j = 0; j < 3; ++j) m[i][j] += row[i] * row[j];
    }
  }
  // Gaussian elimination with partial pivoting on the 3×3 normal equations.
  double aug[3][4];
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) aug[i][j] = m[i][j];
    aug[i][3] = v[i];
  }
  for (int col = 0; col < 3; ++col) {
    int piv = col;
    for (int r = col + 1; r < 3; ++r)
      if (std::fabs(aug[r][col]) > std::fabs(aug[piv][col])) piv = r;
    for (int j = 0; j < 4; ++j) std::swap(aug[col][j], aug[piv][j]);
    for (int r = 0; r < 3; ++r) {
      if (r == col) continue;
      const double f = aug[r][col] / aug[col][col];
      for (int j = col; j < 4; ++j) aug[r][j] -= f * aug[col][j];
    }
  }
  SineFit fit;
  fit.a = aug[0][3] / aug[0][0];
  fit.b = aug[1][3] / aug[1][1];
  fit.c = aug[2][3] / aug[2][2];
  double p_sig = 0, p_res = 0;
  for (std::size_t n = begin; n < end; ++n) {
    const double t = static_cast<double>(n);
    const double model = fit.a * std::sin(w * t) + fit.b * std::cos(w * t) + fit.c;
    const double s = model - fit.c;
    p_sig += s * s;
    p_res += (x[n] - model) * (x[n] - model);
    fit.max_abs_residual = std::max(fit.max_abs_residual, std::fabs(x[n] - model));
  }
  fit.snr_db = 10.0 * std::log10(p_sig / std::max(p_res, 1e-300));
  return fit;
}

/// Resident set size of this process in bytes (Linux /proc/self/statm).
inline std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace crowdmesh::stretch::test
