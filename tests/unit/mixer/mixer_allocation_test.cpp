// The mixer core's render is real-time code: with decks playing through their
// EQ and a DJ filter whose knob moves, and a test tone starting, sounding and
// ending on the master bus, it makes no heap allocation. The malloc interposer
// counts calls made inside rt::RtContextScope.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "mixer/mixer.hpp"
#include "rt/rt_context.hpp"
#include "rt_alloc_counter.hpp"
#include "tone_reader.hpp"

namespace crowdmesh::mixer {
namespace {

TEST(MixerAllocationTest, RenderWithFilterSweepEqAndTestToneNeverAllocates) {
  if (!test::rt_alloc_counter_active()) GTEST_SKIP() << "malloc interposer is off under sanitizers";
  MixerConfig cfg;
  cfg.sample_rate_hz = 48000;
  cfg.channels = 2;
  cfg.max_block_frames = 1024;
  Mixer mixer(cfg);
  for (auto d : {DeckId::A, DeckId::B}) {
    mixer.begin_load(d, 1, "/tmp/tone.wav");
    BufferInfo info;
    info.path = "/tmp/tone.wav";
    ASSERT_TRUE(mixer.finish_load(d, 1, std::make_shared<test::ToneReader>(48000, 2, 330.0, 0.3f, 0), info));
    ASSERT_TRUE(mixer.play(d));
  }
  ASSERT_TRUE(mixer.set_eq_db(DeckId::A, dsp::EqBand::low, -12.0));
  ASSERT_TRUE(mixer.start_test_tone(1000.0, -20.0, 0.2));
  std::vector<float> out(256 * 2);
  test::reset_rt_allocations();
  {
    rt::RtContextScope scope;
    for (int block = 0; block < 400; ++block) {  // about 2 s at 256 frames
      // Control changes between blocks, as the mixer actor makes them (the setters do not allocate either).
      if (block % 20 == 0) {
        ASSERT_TRUE(mixer.set_filter(DeckId::A, -1.0 + 0.005 * block));
      }
      if (block == 200) {
        ASSERT_TRUE(mixer.set_filter(DeckId::B, 0.7));
      }
      mixer.render(out.data(), 256);
    }
  }
  EXPECT_EQ(test::rt_allocations(), 0u);
  EXPECT_EQ(mixer.status().test_tone_hz, 0.0) << "the 0.2 s tone must have ended inside the measured renders";
}

TEST(MixerAllocationTest, SectionSwitchInsideABlockNeitherAllocatesNorFrees) {
  if (!test::rt_alloc_counter_active()) GTEST_SKIP() << "malloc interposer is off under sanitizers";
  MixerConfig cfg;
  cfg.sample_rate_hz = 48000;
  cfg.channels = 2;
  Mixer mixer(cfg);
  mixer.begin_load(DeckId::A, 1, "/tmp/tone.wav");
  BufferInfo info;
  info.path = "/tmp/section-1.wav";
  ASSERT_TRUE(mixer.finish_load(DeckId::A, 1, std::make_shared<test::ToneReader>(48000, 2, 330.0, 0.3f, 0), info));
  ASSERT_TRUE(mixer.play(DeckId::A));
  BufferInfo next_info;
  next_info.path = "/tmp/a-path-longer-than-the-small-string-buffer/section-2.wav";
  const std::int64_t pts0 = 1'000'000'000;
  ASSERT_TRUE(mixer.schedule_switch(DeckId::A, 1, std::make_shared<test::ToneReader>(48000, 2, 440.0, 0.3f, 0),
                                    next_info, pts0 + 10'000'000));  // 480 frames in: inside the second block
  std::vector<float> out(256 * 2);
  test::reset_rt_allocations();
  {
    rt::RtContextScope scope;
    for (int block = 0; block < 8; ++block)
      mixer.render(out.data(), 256, pts0 + block * 5'333'333);
  }
  EXPECT_EQ(test::rt_allocations(), 0u);
  EXPECT_EQ(mixer.scheduled_switches(), 0u) << "the switch came due inside the measured renders";
  EXPECT_EQ(mixer.release_switched(), 1u);
}

}  // namespace
}  // namespace crowdmesh::mixer
