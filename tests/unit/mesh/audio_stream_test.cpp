#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "common/errc.hpp"
#include "common/error.hpp"
#include "mesh/audio_chunk_codec.hpp"
#include "mesh/audio_publisher.hpp"
#include "mesh/audio_subscriber.hpp"
#include "mesh/curve_keys.hpp"

using namespace crowdmesh;
using namespace std::chrono_literals;

namespace {

StreamChunk make_chunk(const std::string& id, std::uint64_t seq, std::uint32_t frames = 256, int channels = 2) {
  StreamChunk c;
  c.stream_id = id;
  c.sequence = seq;
  c.title = "frontiers";
  c.block.first_frame = seq * frames;
  c.block.frames = frames;
  c.block.channels = channels;
  c.block.sample_rate_hz = 48000;
  c.block.pts_ns = 1'000'000 + static_cast<std::int64_t>(seq);
  c.block.samples = std::make_shared<std::vector<float>>(static_cast<std::size_t>(frames) * channels);
  for (std::size_t i = 0; i < c.block.samples->size(); ++i) (*c.block.samples)[i] = static_cast<float>(seq) + i * 1e-4f;
  return c;
}

template <class Pred>
bool wait_until(Pred p, std::chrono::milliseconds timeout = 5s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return p();
}

}  // namespace

TEST(AudioChunkCodecTest, RoundTripKeepsEverySampleAndField) {
  auto c = make_chunk("room-a/master", 7);
  auto back = mesh::from_audio_chunk(mesh::to_audio_chunk(c));
  ASSERT_TRUE(back) << error_sentence(back.error());
  EXPECT_EQ(back->stream_id, "room-a/master");
  EXPECT_EQ(back->sequence, 7u);
  EXPECT_EQ(back->title, "frontiers");
  EXPECT_EQ(back->block.first_frame, c.block.first_frame);
  EXPECT_EQ(back->block.pts_ns, c.block.pts_ns);
  EXPECT_EQ(back->block.sample_rate_hz, 48000);
  EXPECT_EQ(back->block.channels, 2);
  EXPECT_EQ(*back->block.samples, *c.block.samples);
}

TEST(AudioChunkCodecTest, PayloadOfWrongSizeIsRefusedWithExpectedSize) {
  auto wire = mesh::to_audio_chunk(make_chunk("s", 0, 256, 2));
  wire.mutable_payload()->resize(100);
  auto back = mesh::from_audio_chunk(wire);
  ASSERT_FALSE(back);
  EXPECT_EQ(error_code(back.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(back.error()).find("2048"), std::string::npos) << error_sentence(back.error());
}

TEST(AudioChunkCodecTest, OutOfRangeFieldsAreRefused) {
  auto wire = mesh::to_audio_chunk(make_chunk("s", 0));
  wire.set_channels(0);
  EXPECT_FALSE(mesh::from_audio_chunk(wire));
  wire = mesh::to_audio_chunk(make_chunk("s", 0));
  wire.set_sample_rate_hz(1000);
  EXPECT_FALSE(mesh::from_audio_chunk(wire));
  wire = mesh::to_audio_chunk(make_chunk("s", 0));
  wire.set_format(crowdmesh::v1::SAMPLE_FORMAT_UNSPECIFIED);
  auto back = mesh::from_audio_chunk(wire);
  ASSERT_FALSE(back);
  EXPECT_EQ(error_code(back.error()), errc::unsupported_format);
}

TEST(AudioChunkCodecTest, S16PayloadIsScaledToFloat) {
  crowdmesh::v1::AudioChunk wire;
  wire.set_stream_id("s");
  wire.set_frames(1);
  wire.set_channels(2);
  wire.set_sample_rate_hz(44100);
  wire.set_format(crowdmesh::v1::SAMPLE_FORMAT_S16LE);
  const std::int16_t v[2] = {16384, -32768};
  wire.set_payload(reinterpret_cast<const char*>(v), sizeof v);
  auto back = mesh::from_audio_chunk(wire);
  ASSERT_TRUE(back);
  EXPECT_FLOAT_EQ((*back->block.samples)[0], 0.5f);
  EXPECT_FLOAT_EQ((*back->block.samples)[1], -1.0f);
}

TEST(StreamMatchesTest, NameMatchesNodeQualifiedStream) {
  EXPECT_TRUE(mesh::stream_matches("room-a/master", "master"));
  EXPECT_TRUE(mesh::stream_matches("room-a/master", "room-a/master"));
  EXPECT_TRUE(mesh::stream_matches("room-a/master", ""));
  EXPECT_FALSE(mesh::stream_matches("room-a/deck-A", "master"));
  EXPECT_FALSE(mesh::stream_matches("room-a/remaster", "master"));
}

TEST(AudioPublisherTest, SubscriberReceivesTheWantedStreamInOrder) {
  auto pub = mesh::AudioPublisher::start("tcp://127.0.0.1:*", "room-a/mixer");
  ASSERT_TRUE(pub) << error_sentence(pub.error());
  std::mutex m;
  std::vector<std::uint64_t> seen;
  auto sub = mesh::AudioSubscriber::start((*pub)->endpoint(), "master", [&](StreamChunk c) {
    std::lock_guard<std::mutex> lock(m);
    seen.push_back(c.sequence);
  });
  ASSERT_TRUE(sub) << error_sentence(sub.error());
  // PUB/SUB joins late: publish a probe until the subscription is live.
  std::uint64_t seq = 0;
  ASSERT_TRUE(wait_until([&] {
    (*pub)->publish(make_chunk("room-a/master", seq++));
    std::this_thread::sleep_for(10ms);
    std::lock_guard<std::mutex> lock(m);
    return !seen.empty();
  }));
  const std::uint64_t first = seq;
  for (std::uint64_t i = 0; i < 200; ++i) {
    (*pub)->publish(make_chunk("room-a/deck-A", first + i));
    (*pub)->publish(make_chunk("room-a/master", first + i));
  }
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard<std::mutex> lock(m);
    return !seen.empty() && seen.back() == first + 199;
  }));
  std::lock_guard<std::mutex> lock(m);
  std::vector<std::uint64_t> tail(seen.end() - 200, seen.end());
  for (std::uint64_t i = 0; i < 200; ++i) EXPECT_EQ(tail[i], first + i);
  EXPECT_GE((*sub)->stats().other_streams, 200u);
  EXPECT_EQ((*sub)->stats().malformed, 0u);
}

TEST(AudioPublisherTest, HasSubscribersFollowsASubscriberComingAndGoing) {
  auto pub = mesh::AudioPublisher::start("tcp://127.0.0.1:*", "room-a/mixer");
  ASSERT_TRUE(pub) << error_sentence(pub.error());
  EXPECT_FALSE((*pub)->has_subscribers());
  {
    auto sub = mesh::AudioSubscriber::start((*pub)->endpoint(), "master", [](StreamChunk) {});
    ASSERT_TRUE(sub) << error_sentence(sub.error());
    // Noticed without any chunk being published (the sender wakes on the subscription).
    EXPECT_TRUE(wait_until([&] { return (*pub)->has_subscribers(); }));
  }
  EXPECT_TRUE(wait_until([&] { return !(*pub)->has_subscribers(); }));
}

TEST(AudioPublisherTest, BindingABusyEndpointNamesIt) {
  auto a = mesh::AudioPublisher::start("tcp://127.0.0.1:*", "a/mixer");
  ASSERT_TRUE(a);
  auto b = mesh::AudioPublisher::start((*a)->endpoint(), "b/mixer");
  ASSERT_FALSE(b);
  EXPECT_EQ(error_code(b.error()), errc::io_error);
  EXPECT_NE(error_sentence(b.error()).find((*a)->endpoint()), std::string::npos) << error_sentence(b.error());
}

TEST(AudioPublisherTest, FullQueueDropsAndCountsInsteadOfBlocking) {
  auto pub = mesh::AudioPublisher::start("tcp://127.0.0.1:*", "a/mixer", 4);
  ASSERT_TRUE(pub);
  std::uint64_t refused = 0;
  for (int i = 0; i < 5000; ++i)
    if (!(*pub)->publish(make_chunk("a/master", static_cast<std::uint64_t>(i)))) ++refused;
  (*pub)->stop();
  const auto s = (*pub)->stats();
  EXPECT_GT(refused, 0u);
  EXPECT_EQ(s.published + s.dropped, 5000u);
  EXPECT_GE(s.dropped, refused);
  EXPECT_FALSE((*pub)->publish(make_chunk("a/master", 9999)));
}

TEST(AudioSubscriberTest, GarbageFramesAreCountedAndDropped) {
  // A raw PUB that sends nonsense, then a valid chunk.
  auto pub = mesh::AudioPublisher::start("tcp://127.0.0.1:*", "a/mixer");
  ASSERT_TRUE(pub);
  std::atomic<int> got{0};
  auto sub = mesh::AudioSubscriber::start((*pub)->endpoint(), "", [&](StreamChunk) { ++got; });
  ASSERT_TRUE(sub);
  std::uint64_t seq = 0;
  ASSERT_TRUE(wait_until([&] {
    (*pub)->publish(make_chunk("a/master", seq++));
    std::this_thread::sleep_for(10ms);
    return got.load() > 0;
  }));
  auto bad = make_chunk("a/master", seq++);
  bad.block.channels = 0;  // encodes channels 0: refused by from_audio_chunk
  (*pub)->publish(bad);
  EXPECT_TRUE(wait_until([&] { return (*sub)->stats().malformed == 1; }));
}

TEST(AudioPublisherTest, CurvePublisherStreamsToAKnownKeyOnly) {
  auto node = *mesh::generate_curve_key_pair();
  auto listener = *mesh::generate_curve_key_pair();
  auto stranger = *mesh::generate_curve_key_pair();
  mesh::MeshSecurity server;
  server.curve = true;
  server.own = node;
  server.authorized = {{"node:room-b", listener.public_key}};
  auto pub = mesh::AudioPublisher::start("tcp://127.0.0.1:*", "room-a/mixer", 512, server);
  ASSERT_TRUE(pub) << error_sentence(pub.error());
  auto client = [&](const mesh::CurveKeyPair& own) {
    mesh::MeshSecurity sec;
    sec.curve = true;
    sec.own = own;
    return sec;
  };
  std::atomic<int> known{0}, unknown{0}, plain{0};
  auto a = mesh::AudioSubscriber::start((*pub)->endpoint(), "master", [&](StreamChunk) { ++known; }, 1 << 20,
                                        client(listener), node.public_key);
  auto b = mesh::AudioSubscriber::start((*pub)->endpoint(), "master", [&](StreamChunk) { ++unknown; }, 1 << 20,
                                        client(stranger), node.public_key);
  auto c = mesh::AudioSubscriber::start((*pub)->endpoint(), "master", [&](StreamChunk) { ++plain; });
  ASSERT_TRUE(a && b && c);
  std::uint64_t seq = 0;
  ASSERT_TRUE(wait_until([&] {
    (*pub)->publish(make_chunk("room-a/master", seq++));
    std::this_thread::sleep_for(10ms);
    return known.load() > 0;
  }));
  for (int i = 0; i < 50; ++i) (*pub)->publish(make_chunk("room-a/master", seq++));
  std::this_thread::sleep_for(300ms);
  EXPECT_GT(known.load(), 10);
  EXPECT_EQ(unknown.load(), 0);
  EXPECT_EQ(plain.load(), 0);
}
