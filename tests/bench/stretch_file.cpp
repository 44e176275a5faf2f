// stretch_file IN.wav OUT.wav TEMPO_PERCENT [SEQUENCE_MS SEEKWINDOW_MS OVERLAP_MS]
// File → file tempo change through stretch::SoundTouchStretcher, the same job as
// `soundstretch IN OUT -tempo=TEMPO_PERCENT` (blocks of 6720 frames like
// soundstretch, output in the input's sample format), for soundstretch_compare.sh.
// stretch_file --decode IN OUT.wav SECONDS: writes the first SECONDS of any file
// libsndfile reads (MP3 too) as a 16-bit WAV, the comparison's input.
#include <sndfile.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "stretch/soundtouch_stretcher.hpp"

namespace {

int decode(const char* from, const char* to, double seconds) {
  SF_INFO info{};
  SNDFILE* in = sf_open(from, SFM_READ, &info);
  if (in == nullptr) {
    std::fprintf(stderr, "%s: %s\n", from, sf_strerror(nullptr));
    return 1;
  }
  SF_INFO out_info{};
  out_info.samplerate = info.samplerate;
  out_info.channels = info.channels;
  out_info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* out = sf_open(to, SFM_WRITE, &out_info);
  if (out == nullptr) {
    std::fprintf(stderr, "%s: %s\n", to, sf_strerror(nullptr));
    sf_close(in);
    return 1;
  }
  sf_count_t left = static_cast<sf_count_t>(seconds * info.samplerate);
  std::vector<float> buf(4096 * static_cast<std::size_t>(info.channels));
  while (left > 0) {
    const sf_count_t n = sf_readf_float(in, buf.data(), std::min<sf_count_t>(4096, left));
    if (n <= 0) break;
    sf_writef_float(out, buf.data(), n);
    left -= n;
  }
  sf_close(in);
  sf_close(out);
  return left > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--decode") return decode(argv[2], argv[3], std::atof(argv[4]));
  using crowdmesh::stretch::SoundTouchSettings;
  using crowdmesh::stretch::SoundTouchStretcher;
  if (argc != 4 && argc != 7) {
    std::fprintf(stderr, "usage: %s IN.wav OUT.wav TEMPO_PERCENT [SEQ_MS SEEKWINDOW_MS OVERLAP_MS]\n", argv[0]);
    return 2;
  }
  SoundTouchSettings settings;
  if (argc == 7) {
    settings.sequence_ms = std::atoi(argv[4]);
    settings.seek_window_ms = std::atoi(argv[5]);
    settings.overlap_ms = std::atoi(argv[6]);
  }
  SF_INFO info{};
  SNDFILE* in = sf_open(argv[1], SFM_READ, &info);
  if (in == nullptr) {
    std::fprintf(stderr, "%s: %s\n", argv[1], sf_strerror(nullptr));
    return 1;
  }
  if (auto ok = SoundTouchStretcher::validate(info.samplerate, info.channels, settings); !ok) {
    std::fprintf(stderr, "%s: unsupported rate/channels/settings\n", argv[1]);
    return 1;
  }
  SF_INFO out_info = info;
  SNDFILE* out = sf_open(argv[2], SFM_WRITE, &out_info);
  if (out == nullptr) {
    std::fprintf(stderr, "%s: %s\n", argv[2], sf_strerror(nullptr));
    return 1;
  }
  SoundTouchStretcher st(info.samplerate, info.channels, settings);
  st.set_tempo(1.0 + std::atof(argv[3]) / 100.0);
  constexpr std::size_t kBlock = 6720;
  std::vector<float> buf(kBlock * static_cast<std::size_t>(info.channels));
  auto drain = [&] {
    while (std::size_t n = st.receive(buf.data(), kBlock)) sf_writef_float(out, buf.data(), static_cast<sf_count_t>(n));
  };
  while (sf_count_t n = sf_readf_float(in, buf.data(), kBlock)) {
    st.put(buf.data(), static_cast<std::size_t>(n));
    drain();
  }
  st.flush();
  drain();
  sf_close(in);
  sf_close(out);
  return 0;
}
