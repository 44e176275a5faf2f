#pragma once
#include <cstdint>
#include <memory>

#include <gtest/gtest.h>

#include "common/deck.hpp"
#include "mixer/mixer.hpp"
#include "tone_reader.hpp"

namespace crowdmesh::test {

/// Loads a tone of `freq` Hz (0 = DC) at `amp` into buffer `id` of deck `d`,
/// `len` frames long (0 = endless), as a load that began and completed
/// (path /tmp/test.wav). Fails the test when the mixer refuses it.
inline std::shared_ptr<ToneReader> load_tone(mixer::Mixer& mixer, DeckId d, std::uint32_t id, double freq = 440.0,
                                             float amp = 0.5f, std::int64_t len = 0) {
  const auto& cfg = mixer.config();
  auto r = std::make_shared<ToneReader>(cfg.sample_rate_hz, cfg.channels, freq, amp, len);
  mixer.begin_load(d, id, "/tmp/test.wav");
  mixer::BufferInfo info;
  info.path = "/tmp/test.wav";
  EXPECT_TRUE(mixer.finish_load(d, id, r, info));
  return r;
}

/// A small mixer core for tests: 48 kHz, stereo, blocks of up to 1024 frames.
inline mixer::MixerConfig test_mixer_config() {
  mixer::MixerConfig c;
  c.sample_rate_hz = 48000;
  c.channels = 2;
  c.max_block_frames = 1024;
  return c;
}

}  // namespace crowdmesh::test
