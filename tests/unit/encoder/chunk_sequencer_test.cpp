#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "encoder/chunk_sequencer.hpp"

using namespace crowdmesh;
using namespace crowdmesh::encoder;

namespace {

// Records everything the sequencer delivers.
struct Recorder : SequencedAudioListener {
  std::vector<PcmFormat> formats;
  int restarts = 0;
  std::vector<float> audio;  // interleaved, channels of the last format
  void on_format(PcmFormat f) override { formats.push_back(f); }
  void on_restart() override { ++restarts; }
  void on_audio(const float* s, std::size_t frames) override {
    audio.insert(audio.end(), s, s + frames * formats.back().channels);
  }
};

// A chunk of constant value `v` (so fades and silence are easy to see).
StreamChunk chunk(std::uint64_t seq, float v, std::uint32_t frames = 480, int channels = 2, int rate = 48000) {
  StreamChunk c;
  c.stream_id = "room-a/master";
  c.sequence = seq;
  c.block.first_frame = seq * frames;
  c.block.frames = frames;
  c.block.channels = channels;
  c.block.sample_rate_hz = rate;
  c.block.samples = std::make_shared<std::vector<float>>(static_cast<std::size_t>(frames) * channels, v);
  return c;
}

}  // namespace

TEST(ChunkSequencerTest, InOrderChunksPassThroughUnchanged) {
  ChunkSequencer seq;
  Recorder r;
  for (std::uint64_t i = 0; i < 10; ++i) seq.push(chunk(i, 0.5f), r);
  seq.flush(r);
  ASSERT_EQ(r.formats.size(), 1u);
  EXPECT_EQ(r.formats[0].sample_rate_hz, 48000u);
  ASSERT_EQ(r.audio.size(), 10u * 480 * 2);
  for (float s : r.audio) ASSERT_EQ(s, 0.5f);
  EXPECT_EQ(seq.counters().gaps, 0u);
  EXPECT_EQ(seq.counters().chunks, 10u);
}

TEST(ChunkSequencerTest, NanAndInfiniteSamplesPassOnAsSilenceAndAreCounted) {
  ChunkSequencer seq;
  Recorder r;
  auto bad = chunk(1, 0.5f);
  (*bad.block.samples)[10] = std::nanf("");
  (*bad.block.samples)[11] = INFINITY;
  (*bad.block.samples)[500] = -INFINITY;
  const auto sent = bad.block.samples;
  seq.push(chunk(0, 0.5f), r);
  seq.push(bad, r);
  seq.push(chunk(2, 0.5f), r);
  seq.flush(r);
  ASSERT_EQ(r.audio.size(), 3u * 480 * 2);
  for (float s : r.audio) ASSERT_TRUE(std::isfinite(s));
  EXPECT_EQ(r.audio[960 + 10], 0.0f);
  EXPECT_EQ(r.audio[960 + 12], 0.5f);
  EXPECT_EQ(seq.counters().nonfinite_samples, 3u);
  EXPECT_TRUE(std::isnan((*sent)[10])) << "the sender's shared block is not written";
}

TEST(ChunkSequencerTest, GapIsFilledWithSilenceOfTheMissingLengthBetweenFades) {
  ChunkSequencer seq(5.0);
  Recorder r;
  seq.push(chunk(0, 0.5f), r);
  seq.push(chunk(1, 0.5f), r);
  seq.push(chunk(4, 0.5f), r);  // 2 and 3 lost
  seq.flush(r);
  const std::size_t frames = r.audio.size() / 2;
  EXPECT_EQ(frames, 5u * 480) << "lost chunks are replaced by as many frames, never glued";
  EXPECT_EQ(seq.counters().gaps, 1u);
  EXPECT_EQ(seq.counters().lost_chunks, 2u);
  EXPECT_EQ(seq.counters().concealed_frames, 2u * 480);
  // Frames of the lost chunks are silent.
  for (std::size_t f = 2 * 480; f < 4 * 480; ++f) ASSERT_EQ(r.audio[2 * f], 0.0f) << f;
  // Chunk 1 fades out to (almost) nothing at its end, chunk 4 fades in from nothing.
  EXPECT_LT(std::abs(r.audio[2 * (2 * 480 - 1)]), 0.01f);
  EXPECT_EQ(r.audio[2 * (2 * 480 - 241)], 0.5f) << "the fade covers 5 ms (240 frames), not more";
  EXPECT_LT(std::abs(r.audio[2 * (4 * 480)]), 0.01f);
  EXPECT_EQ(r.audio[2 * (4 * 480 + 240)], 0.5f);
}

TEST(ChunkSequencerTest, LateAndDuplicateChunksAreDroppedAndCounted) {
  ChunkSequencer seq;
  Recorder r;
  seq.push(chunk(0, 0.1f), r);
  seq.push(chunk(1, 0.2f), r);
  seq.push(chunk(1, 0.9f), r);
  seq.push(chunk(2, 0.3f), r);
  seq.flush(r);
  EXPECT_EQ(r.audio.size(), 3u * 480 * 2);
  EXPECT_EQ(seq.counters().late_chunks, 1u);
  for (float s : r.audio) ASSERT_NE(s, 0.9f);
}

TEST(ChunkSequencerTest, SequenceZeroAfterOthersMeansTheSenderRestarted) {
  ChunkSequencer seq;
  Recorder r;
  for (std::uint64_t i = 0; i < 5; ++i) seq.push(chunk(i, 0.5f), r);
  seq.push(chunk(0, 0.5f), r);
  seq.flush(r);
  EXPECT_EQ(r.restarts, 1);
  EXPECT_EQ(seq.counters().restarts, 1u);
  EXPECT_EQ(seq.counters().concealed_frames, 0u);
  EXPECT_EQ(r.audio.size(), 6u * 480 * 2);
}

TEST(ChunkSequencerTest, GapLongerThanTheLimitRestartsInsteadOfConcealing) {
  ChunkSequencer seq(5.0, 1.0);
  Recorder r;
  seq.push(chunk(0, 0.5f), r);
  seq.push(chunk(1000, 0.5f), r);  // 999 × 10 ms lost > 1 s
  seq.flush(r);
  EXPECT_EQ(r.restarts, 1);
  EXPECT_EQ(seq.counters().gaps, 1u);
  EXPECT_EQ(seq.counters().concealed_frames, 0u);
  EXPECT_EQ(r.audio.size(), 2u * 480 * 2);
}

TEST(ChunkSequencerTest, FormatChangeReopensWithTheNewFormat) {
  ChunkSequencer seq;
  Recorder r;
  seq.push(chunk(0, 0.5f), r);
  seq.push(chunk(1, 0.5f, 441, 2, 44100), r);
  seq.flush(r);
  ASSERT_EQ(r.formats.size(), 2u);
  EXPECT_EQ(r.formats[1].sample_rate_hz, 44100u);
  EXPECT_EQ(seq.counters().format_changes, 1u);
}
