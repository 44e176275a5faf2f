// libFuzzer harness: the audio-chunk codec (actors/mesh/audio_chunk_codec.*),
// as an audio subscriber (actors/mesh/audio_subscriber.cpp) runs it on every
// frame of a node's audio PUB before the chunk reaches an encoder or the
// mixer.
//
// Feeds: the input bytes as the envelope frame of one audio message:
// decode_envelope() (1 MiB limit), stream_matches() against "master", then
// from_audio_chunk() on the envelope's AudioChunk (also when the envelope
// carries none: the default chunk must be refused). An accepted chunk is
// encoded back with to_audio_chunk() and decoded again.
//
// Failure: any crash, sanitizer report or timeout, an exception, and a broken
// contract (abort with a message): an accepted chunk outside the documented
// limits (frames 1..16384, channels 1..32, rate 8000..384000 Hz) or whose
// samples are not frames × channels; S16LE/S24LE samples outside [-1, 1); a
// chunk that does not survive to_audio_chunk() → from_audio_chunk() with the
// same fields and bit-identical samples.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <variant>

#include "mesh/audio_chunk_codec.hpp"
#include "mesh/audio_subscriber.hpp"
#include "mesh/envelope_codec.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "audio_chunk_fuzz: %s\n", what);
  std::abort();
}

void check(const crowdmesh::v1::AudioChunk& in) {
  namespace mesh = crowdmesh::mesh;
  auto chunk = mesh::from_audio_chunk(in);
  if (!chunk) return;
  const auto& b = chunk->block;
  if (b.frames < 1 || b.frames > mesh::kMaxChunkFrames) fail("accepted frames out of range");
  if (b.channels < 1 || b.channels > static_cast<int>(mesh::kMaxChunkChannels)) fail("accepted channels out of range");
  if (b.sample_rate_hz < 8000 || b.sample_rate_hz > 384000) fail("accepted rate out of range");
  const std::size_t n = static_cast<std::size_t>(b.frames) * static_cast<std::size_t>(b.channels);
  if (!b.samples || b.samples->size() != n) fail("samples are not frames x channels");
  if (in.format() != crowdmesh::v1::SAMPLE_FORMAT_F32LE) {
    for (float s : *b.samples)
      if (!(s >= -1.0f && s < 1.0f)) fail("an integer sample decoded outside [-1, 1)");
  }
  // Round trip through the wire form (always F32LE).
  auto wire = mesh::to_audio_chunk(*chunk);
  if (wire.payload().size() != n * sizeof(float)) fail("to_audio_chunk wrote a payload of the wrong size");
  auto back = mesh::from_audio_chunk(wire);
  if (!back) fail("a chunk accepted once is refused after to_audio_chunk");
  const auto& c = back->block;
  if (back->stream_id != chunk->stream_id || back->sequence != chunk->sequence || back->title != chunk->title ||
      c.frames != b.frames || c.channels != b.channels || c.sample_rate_hz != b.sample_rate_hz ||
      c.pts_ns != b.pts_ns || c.first_frame != b.first_frame)
    fail("a chunk's fields change through to_audio_chunk and back");
  if (std::memcmp(c.samples->data(), b.samples->data(), n * sizeof(float)) != 0)
    fail("a chunk's samples change through to_audio_chunk and back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mesh = crowdmesh::mesh;
  try {
    auto decoded = mesh::decode_envelope(data, size, mesh::kDefaultMaxMessageBytes);
    auto* env = std::get_if<crowdmesh::v1::Envelope>(&decoded);
    if (env == nullptr) return 0;
    (void)mesh::stream_matches(env->audio_chunk().stream_id(), "master");
    (void)mesh::stream_matches(env->audio_chunk().stream_id(), "");
    if (!env->has_audio_chunk()) {
      if (mesh::from_audio_chunk(env->audio_chunk())) fail("the default (empty) chunk was accepted");
      return 0;
    }
    check(env->audio_chunk());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "audio_chunk_fuzz: exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}
