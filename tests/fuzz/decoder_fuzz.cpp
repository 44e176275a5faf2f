// libFuzzer harness: opening and decoding an audio file with the decoder of
// the stretch actor's file reader (actors/stretch/sndfile_decoder.*, the one
// wrapper around libsndfile: WAV, FLAC, Ogg, MP3, AIFF, CAF, ...).
//
// Feeds: the input bytes as the content of a file (an in-memory memfd, opened
// through its /proc/self/fd path, so no disk is touched): SndfileDecoder::open(),
// then read_frames() in blocks of 512 frames up to 16384 frames, seek() to the
// middle and to 0 and one more block, and seek(-1). libsndfile itself is
// Debian's build (not instrumented): the harness checks our use of it, and
// ASan still sees any write past the block we hand it.
//
// Failure: any crash, sanitizer report (including a leak) or timeout, an
// exception, and a broken contract (abort with a message): an opened file
// with no channels or a negative rate or length; a read that returns more
// frames than asked; a position that does not advance by the frames read;
// seek(-1) accepted.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mem_file.hpp"
#include "stretch/sndfile_decoder.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "decoder_fuzz: %s\n", what);
  std::abort();
}

constexpr std::size_t kBlockFrames = 512;
constexpr std::size_t kMaxFrames = 16384;


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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    crowdmesh::fuzz::MemFile file("decoder_fuzz", data, size);
    auto opened = crowdmesh::stretch::SndfileDecoder::open(file.path);
    if (!opened) return 0;
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
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decoder_fuzz: exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}
