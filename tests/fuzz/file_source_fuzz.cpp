// libFuzzer harness: opening and reading an audio file as a deck does, with
// the stretch actor's file reader (actors/stretch/file_source.*: the decoder
// of decoder_fuzz, then the channel map, the resampler to the device rate,
// the time-stretch and the FIFO).
//
// Feeds: the input bytes as the content of a file (an in-memory memfd, opened
// through its /proc/self/fd path, so no disk is touched) to FileSource::open()
// for a 48 kHz stereo device, with the reader settings chosen by the input's
// size modulo 4: the polyphase converter (the decks' default) with loop on;
// sinc_medium at tempo ratio 1.05; sinc_fastest with SoundTouch at 1.1;
// linear. Then fill() and read() in blocks of 512 until 2048 device frames or
// the end. libsndfile, libsamplerate and SoundTouch are Debian's builds (not
// instrumented); our code around them is.
//
// Failure: any crash, sanitizer report (including a leak) or timeout, an
// exception, and a broken contract (abort with a message): a read that
// returns more frames than asked, more frames delivered than written, or
// frames_read() that does not count the reads.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mem_file.hpp"
#include "stretch/file_source.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "file_source_fuzz: %s\n", what);
  std::abort();
}

constexpr std::size_t kBlockFrames = 512;
// Enough for every stage to run (the resamplers' and SoundTouch's latency, a
// loop's wrap on a short file) without spending the run on steady-state DSP.
constexpr std::size_t kMaxFrames = 2048;


}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace crowdmesh::stretch;
  try {
    crowdmesh::fuzz::MemFile file("file_source_fuzz", data, size);
    SourceConfig cfg;
    cfg.device_rate_hz = 48000;
    cfg.device_channels = 2;
    cfg.fifo_frames = 4096;
    switch (size % 4) {
      case 0:
        cfg.quality = ResamplerQuality::polyphase;
        cfg.loop = true;
        break;
      case 1:
        cfg.quality = ResamplerQuality::sinc_medium;
        cfg.tempo_ratio = 1.05;
        break;
      case 2:
        cfg.quality = ResamplerQuality::sinc_fastest;
        cfg.method = StretchMethod::soundtouch;
        cfg.tempo_ratio = 1.1;
        break;
      default: cfg.quality = ResamplerQuality::linear; break;
    }
    auto opened = FileSource::open(file.path, cfg);
    if (!opened) return 0;
    auto& src = **opened;
    std::vector<float> out(kBlockFrames * 2);
    std::int64_t delivered = 0;
    for (std::size_t i = 0; i < kMaxFrames / kBlockFrames && !src.finished(); ++i) {
      src.fill(kBlockFrames);
      const std::size_t got = src.read(out.data(), kBlockFrames);
      if (got > kBlockFrames) fail("FileSource::read returned more frames than asked");
      delivered += static_cast<std::int64_t>(got);
      if (delivered > src.frames_written()) fail("FileSource delivered more frames than it wrote");
      if (src.frames_read() != delivered) fail("FileSource::frames_read does not count the reads");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "file_source_fuzz: exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}
