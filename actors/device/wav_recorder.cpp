#include "device/wav_recorder.hpp"

#include <filesystem>

#include <sndfile.h>

#include "common/error.hpp"

namespace crowdmesh::device {

caf::expected<std::unique_ptr<WavRecorder>> WavRecorder::open(const std::string& path, int sample_rate_hz,
                                                              int channels) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) abs = path;
  SF_INFO info{};
  info.samplerate = sample_rate_hz;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(abs.c_str(), SFM_WRITE, &info);
  if (!f) return make_error(errc::io_error, "cannot write recording '" + abs + "': " + sf_strerror(nullptr));
  return std::unique_ptr<WavRecorder>(new WavRecorder(abs, f, channels));
}

WavRecorder::WavRecorder(std::string path, void* handle, int channels)
    : path_(std::move(path)), handle_(handle), channels_(channels) {}

WavRecorder::~WavRecorder() { close(); }

bool WavRecorder::write(const float* interleaved, std::size_t frames) {
  if (!handle_) return false;
  const auto n = sf_writef_float(static_cast<SNDFILE*>(handle_), interleaved, static_cast<sf_count_t>(frames));
  frames_written_ += static_cast<std::uint64_t>(n > 0 ? n : 0);
  if (n != static_cast<sf_count_t>(frames)) {
    ++errors_;
    return false;
  }
  return true;
}

void WavRecorder::close() {
  if (handle_) {
    sf_close(static_cast<SNDFILE*>(handle_));
    handle_ = nullptr;
  }
}

}  // namespace crowdmesh::device
