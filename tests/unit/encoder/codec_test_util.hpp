#pragma once
// Helpers shared by the codec tests: an in-memory ByteOutput, test signals and
// running the command-line checkers (opusinfo, flac, metaflac, ffprobe).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "common/error.hpp"
#include "encoder/byte_output.hpp"
#include "encoder/stream_encoder.hpp"
#include "jack_server.hpp"

namespace crowdmesh::encoder::test {

/// A ByteOutput into a vector: appends, or overwrites after seek() when
/// seekable. `refuse` makes every write fail (a sink that cannot write).
class MemoryOutput final : public ByteOutput {
 public:
  explicit MemoryOutput(bool seekable = true) : seekable_(seekable) {}
  bool write(const std::uint8_t* data, std::size_t n) override {
    ++writes;
    if (refuse) return false;
    if (pos_ + n > bytes.size()) bytes.resize(pos_ + n);
    std::memcpy(bytes.data() + pos_, data, n);
    pos_ += n;
    return true;
  }
  std::uint64_t tell() const override { return pos_; }
  bool seekable() const override { return seekable_; }
  bool seek(std::uint64_t offset) override {
    if (!seekable_ || offset > bytes.size()) return false;
    pos_ = static_cast<std::size_t>(offset);
    ++seeks;
    return true;
  }

  std::vector<std::uint8_t> bytes;
  bool refuse = false;
  int writes = 0;
  int seeks = 0;

 private:
  bool seekable_;
  std::size_t pos_ = 0;
};

/// A sine (same on every channel) at `dbfs` peak level, interleaved.
inline std::vector<float> sine(std::uint32_t rate_hz, std::uint32_t channels, double seconds, double hz = 997.0,
                               double dbfs = -6.0) {
  const double amplitude = std::pow(10.0, dbfs / 20.0);
  const auto frames = static_cast<std::size_t>(std::llround(seconds * rate_hz));
  std::vector<float> out(frames * channels);
  for (std::size_t f = 0; f < frames; ++f) {
    const auto v = static_cast<float>(amplitude * std::sin(2.0 * M_PI * hz * static_cast<double>(f) / rate_hz));
    for (std::uint32_t c = 0; c < channels; ++c) out[f * channels + c] = v;
  }
  return out;
}

/// Feeds `pcm` to the encoder in blocks of `block` frames, as a mixer would;
/// false (with the error in `why`) at the first failed call.
inline bool encode_all(StreamEncoder& enc, const std::vector<float>& pcm, std::size_t block = 480,
                       std::string* why = nullptr) {
  const std::size_t ch = enc.format().channels;
  const std::size_t frames = pcm.size() / ch;
  for (std::size_t f = 0; f < frames; f += block) {
    auto ok = enc.encode(pcm.data() + f * ch, std::min(block, frames - f));
    if (!ok) {
      if (why) *why = crowdmesh::error_sentence(ok.error());
      return false;
    }
  }
  return true;
}

/// Writes bytes to a file; false on failure.
inline bool write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

/// Result of a command-line tool: exit status (−1 when it did not start or
/// ran past 60 s) and its standard output.
struct ToolResult {
  int status = -1;
  std::string out;
};

/// Runs `program` (looked up on PATH) with `args`, capturing stdout through a
/// file in `dir`.
inline ToolResult run_tool(const std::string& dir, const std::string& program, std::vector<std::string> args) {
  ToolResult r;
  const std::string exe = crowdmesh::test::find_program(program);
  if (exe.empty()) {
    r.out = program + " not found on PATH";
    return r;
  }
  args.insert(args.begin(), exe);
  const std::string out_path = dir + "/" + program + ".out";
  const pid_t pid = crowdmesh::test::spawn_process(args, out_path, dir + "/" + program + ".err");
  if (pid < 0) return r;
  auto status = crowdmesh::test::wait_for_exit(pid, std::chrono::seconds(60));
  if (!status) {
    crowdmesh::test::terminate_process(pid);
    return r;
  }
  r.status = *status;
  std::ifstream in(out_path);
  r.out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

/// ffprobe's format duration of `path` in seconds, or −1.
inline double ffprobe_duration(const std::string& dir, const std::string& path) {
  const auto r = run_tool(dir, "ffprobe", {"-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path});
  if (r.status != 0) return -1.0;
  try {
    return std::stod(r.out);
  } catch (...) {
    return -1.0;
  }
}

/// The TITLE tag ffprobe reads from `path` (format tags, else stream tags —
/// Ogg keeps Vorbis comments on the stream), or empty.
inline std::string ffprobe_title(const std::string& dir, const std::string& path) {
  const auto r = run_tool(dir, "ffprobe",
                          {"-v", "error", "-show_entries", "format_tags=title:stream_tags=title", "-of",
                           "default=noprint_wrappers=1:nokey=1", path});
  if (r.status != 0) return {};
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty()) return line;
  return {};
}

}  // namespace crowdmesh::encoder::test
