// libFuzzer harness: opening and decoding an audio file as a deck does: the
// decoder (actors/stretch/sndfile_decoder.*, the one wrapper around
// libsndfile: WAV, FLAC, Ogg, MP3, AIFF, CAF, ...) and the file reader built on
// it (actors/stretch/file_source.*: channel map, resampler to the device rate,
// time-stretch, FIFO).
//
// Feeds: the input bytes as the content of a file (an in-memory memfd, opened
// through its /proc/self/fd path, so no disk is touched):
//  1. SndfileDecoder::open(), read_frames() in blocks of 512 frames up to
//     16384 frames, seek() to the middle and to 0 and one more block, seek(-1);
//  2. FileSource::open() for a 48 kHz stereo device, the reader settings chosen
//     by the input's size modulo 4 (polyphase or sinc_medium resampler,
//     playback-rate or SoundTouch stretch at ratios 1.0-1.1, loop on or off),
//     then fill() and read() until 16384 device frames or the end.
// libsndfile itself is Debian's build (not instrumented): the harness checks
// our use of it, and ASan still sees any write past the blocks we hand it.
//
// Failure: any crash, sanitizer report (including a leak) or timeout, an
// exception, and a broken contract (abort with a message): an opened file
// with no channels or a negative rate or length; a read that returns more
// frames than asked; a decoder position that does not advance by the frames
// read; seek(-1) accepted; a FileSource that delivers more frames than it
// wrote or reads more than asked.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "stretch/file_source.hpp"
#include "stretch/sndfile_decoder.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "decoder_fuzz: %s\n", what);
  std::abort();
}

constexpr std::size_t kBlockFrames = 512;
constexpr std::size_t kMaxFrames = 16384;

struct MemFile {
  int fd = -1;
  std::string path;
  MemFile(const std::uint8_t* data, std::size_t size) {
    fd = ::memfd_create("decoder_fuzz", MFD_CLOEXEC);
    if (fd < 0) fail("memfd_create failed");
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::write(fd, data + done, size - done);
      if (n <= 0) fail("write to the memfd failed");
      done += static_cast<std::size_t>(n);
    }
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  ~MemFile() { ::close(fd); }
};

void read_some(crowdmesh::stretch::SndfileDecoder& dec, std::vector<float>& block, std::size_t max_frames) {
  std::size_t total = 0;
  while (total < max_frames) {
    const std::int64_t before = dec.position();
    const std::size_t got = dec.read_frames(block.data(), kBlockFrames);
    if (got > kBlockFrames) fail("read_frames returned more frames than asked");
    if (dec.position() != before + static_cast<std::int64_t>(got)) fail("the position does not follow the reads");
    if (got == 0) break;
    total += got;
  }
}

void read_file_source(const std::string& path, std::size_t variant) {
  using namespace crowdmesh::stretch;
  SourceConfig cfg;
  cfg.device_rate_hz = 48000;
  cfg.device_channels = 2;
  cfg.fifo_frames = 4096;
  switch (variant % 4) {
    case 0: cfg.quality = ResamplerQuality::polyphase; break;
    case 1: cfg.quality = ResamplerQuality::sinc_medium; cfg.tempo_ratio = 1.05; break;
    case 2: cfg.quality = ResamplerQuality::polyphase; cfg.method = StretchMethod::soundtouch; cfg.tempo_ratio = 1.1; break;
    default: cfg.quality = ResamplerQuality::polyphase; cfg.loop = true; break;
  }
  auto opened = FileSource::open(path, cfg);
  if (!opened) return;
  auto& src = **opened;
  std::vector<float> out(kBlockFrames * 2);
  std::int64_t delivered = 0;
  for (std::size_t i = 0; i < kMaxFrames / kBlockFrames && !src.finished(); ++i) {
    src.fill(kBlockFrames * 2);
    const std::size_t got = src.read(out.data(), kBlockFrames);
    if (got > kBlockFrames) fail("FileSource::read returned more frames than asked");
    delivered += static_cast<std::int64_t>(got);
    if (delivered > src.frames_written()) fail("FileSource delivered more frames than it wrote");
    if (src.frames_read() != delivered) fail("FileSource::frames_read does not count the reads");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    MemFile file(data, size);
    auto opened = crowdmesh::stretch::SndfileDecoder::open(file.path);
    if (!opened) {
      read_file_source(file.path, size);  // it must refuse the file too, cleanly
      return 0;
    }
    auto& dec = **opened;
    const auto& info = dec.info();
    if (info.file_channels < 1 || info.file_rate_hz < 0 || info.file_frames < 0)
      fail("an opened file has no channels, a negative rate or a negative length");
    std::vector<float> block(kBlockFrames * static_cast<std::size_t>(info.file_channels));
    read_some(dec, block, kMaxFrames);
    if (!dec.failed()) {
      if (dec.seek(info.file_frames / 2)) read_some(dec, block, kBlockFrames);
      if (dec.seek(0)) read_some(dec, block, kBlockFrames);
    }
    if (dec.seek(-1)) fail("seek(-1) was accepted");
    read_file_source(file.path, size);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decoder_fuzz: exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}
