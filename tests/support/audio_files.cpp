#include "audio_files.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>

#include <sndfile.h>

namespace crowdmesh::test {

bool write_sine_wav(const std::string& path, int sample_rate_hz, int channels, double seconds, double frequency_hz,
                    double amplitude) {
  SF_INFO info{};
  info.samplerate = sample_rate_hz;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) return false;
  const auto frames = static_cast<std::int64_t>(seconds * sample_rate_hz);
  std::vector<float> buf(static_cast<std::size_t>(channels) * 4096);
  const double w = 2.0 * M_PI * frequency_hz / sample_rate_hz;
  for (std::int64_t start = 0; start < frames; start += 4096) {
    const auto n = std::min<std::int64_t>(4096, frames - start);
    for (std::int64_t i = 0; i < n; ++i)
      for (int c = 0; c < channels; ++c)
        buf[static_cast<std::size_t>(i * channels + c)] =
            static_cast<float>(amplitude * std::sin(w * static_cast<double>(start + i)));
    sf_writef_float(f, buf.data(), n);
  }
  return sf_close(f) == 0;
}

bool write_click_track_wav(const std::string& path, int sample_rate_hz, int channels, double seconds, double bpm) {
  const auto frames = static_cast<std::size_t>(seconds * sample_rate_hz);
  std::vector<float> pcm(frames * static_cast<std::size_t>(channels), 0.0f);
  const auto burst = static_cast<std::size_t>(0.005 * sample_rate_hz);
  for (int beat = 0;; ++beat) {
    const auto at = static_cast<std::size_t>(std::llround(beat * 60.0 / bpm * sample_rate_hz));
    if (at >= frames) break;
    for (std::size_t i = 0; i < burst && at + i < frames; ++i)
      for (int c = 0; c < channels; ++c)
        pcm[(at + i) * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] =
            0.8f * static_cast<float>(std::sin(2 * M_PI * 2000.0 * static_cast<double>(i) / sample_rate_hz));
  }
  SF_INFO info{};
  info.samplerate = sample_rate_hz;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) return false;
  sf_writef_float(f, pcm.data(), static_cast<sf_count_t>(frames));
  return sf_close(f) == 0;
}

bool write_random_bytes(const std::string& path, std::size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  std::mt19937 rng(1234);
  for (std::size_t i = 0; i < bytes; ++i) out.put(static_cast<char>(rng() & 0xff));
  return static_cast<bool>(out);
}

bool write_truncated_copy(const std::string& from, const std::string& to, std::size_t bytes) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return false;
  std::vector<char> data(bytes);
  in.read(data.data(), static_cast<std::streamsize>(bytes));
  std::ofstream out(to, std::ios::binary);
  out.write(data.data(), in.gcount());
  return static_cast<bool>(out);
}

AudioData read_audio(const std::string& path) {
  AudioData a;
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) return a;
  a.sample_rate_hz = info.samplerate;
  a.channels = info.channels;
  std::vector<float> buf(static_cast<std::size_t>(info.channels) * 8192);
  for (;;) {
    const auto n = sf_readf_float(f, buf.data(), 8192);
    if (n <= 0) break;
    a.samples.insert(a.samples.end(), buf.begin(), buf.begin() + n * info.channels);
    a.frames += n;
  }
  sf_close(f);
  return a;
}

double rms_dbfs(const AudioData& audio, std::int64_t first, std::int64_t count) {
  const auto ch = static_cast<std::int64_t>(audio.channels);
  double sum = 0;
  std::int64_t n = 0;
  for (std::int64_t i = first * ch; i < (first + count) * ch && i < static_cast<std::int64_t>(audio.samples.size());
       ++i) {
    sum += static_cast<double>(audio.samples[static_cast<std::size_t>(i)]) * audio.samples[static_cast<std::size_t>(i)];
    ++n;
  }
  if (n == 0 || sum <= 0) return -200.0;
  return 10.0 * std::log10(sum / static_cast<double>(n));
}

double rms_dbfs(const AudioData& audio) { return rms_dbfs(audio, 0, audio.frames); }

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  char* d = mkdtemp(tmpl.data());
  return d ? std::string(d) : std::string("/tmp");
}

}  // namespace crowdmesh::test
