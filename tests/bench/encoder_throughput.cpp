// Encoder throughput with PCM arriving over ZeroMQ (issue "Encoders"): reads a
// WAV, publishes it as AudioChunks on a loopback PUB as fast as the receiving
// side keeps up (credit of 256 chunks, so nothing is dropped), and encodes
// every chunk with one Crowdmesh output writing to a file. Prints the wall
// time from the first chunk sent to the finished file, for
// encoder_compare.sh to set against opusenc / flac / lame on the same input.
//
//   encoder_throughput IN.wav PRESET[,KEY=VALUE...] OUT_FILE [BLOCK_FRAMES]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sndfile.h>

#include "spdlog/spdlog.h"

#include "common/error.hpp"
#include "encoder/encoder_pipeline.hpp"
#include "mesh/audio_publisher.hpp"
#include "mesh/audio_subscriber.hpp"

using namespace crowdmesh;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s IN.wav PRESET[,KEY=VALUE...] OUT_FILE [BLOCK_FRAMES]\n", argv[0]);
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);  // stdout carries the JSON result only
  // 1024 frames: the size a node publishes (audio_node/master_stream.hpp).
  const std::uint32_t block = argc > 4 ? static_cast<std::uint32_t>(std::stoul(argv[4])) : 1024;
  SF_INFO info{};
  SNDFILE* f = sf_open(argv[1], SFM_READ, &info);
  if (!f) {
    std::fprintf(stderr, "cannot read %s: %s\n", argv[1], sf_strerror(nullptr));
    return 1;
  }
  std::vector<float> pcm(static_cast<std::size_t>(info.frames) * info.channels);
  sf_readf_float(f, pcm.data(), info.frames);
  sf_close(f);

  auto spec = encoder::parse_encode_spec(std::string(argv[2]) + ":file:" + argv[3]);
  if (!spec) {
    std::fprintf(stderr, "%s\n", error_sentence(spec.error()).c_str());
    return 2;
  }
  auto pipeline = encoder::EncoderPipeline::create({*spec}, "bench");
  if (!pipeline) {
    std::fprintf(stderr, "%s\n", error_sentence(pipeline.error()).c_str());
    return 2;
  }
  auto pub = mesh::AudioPublisher::start("tcp://127.0.0.1:*", "bench/mixer", 1024);
  if (!pub) return 1;
  std::atomic<std::uint64_t> received{0};
  // The subscriber thread only queues; encoding happens on this thread.
  std::mutex m;
  std::condition_variable cv;
  std::vector<StreamChunk> inbox;
  auto sub = mesh::AudioSubscriber::start((*pub)->endpoint(), "", [&](StreamChunk c) {
    {
      std::lock_guard<std::mutex> lock(m);
      inbox.push_back(std::move(c));
    }
    received.fetch_add(1);
    cv.notify_one();
  });
  if (!sub) return 1;
  // Wait for the subscription with a probe stream the encoder ignores.
  for (std::uint64_t i = 0; received.load() == 0 && i < 2000; ++i) {
    StreamChunk probe;
    probe.stream_id = "probe";
    probe.block.frames = 1;
    probe.block.channels = 1;
    probe.block.sample_rate_hz = 48000;
    probe.block.samples = std::make_shared<std::vector<float>>(1);
    (*pub)->publish(probe);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  {
    std::lock_guard<std::mutex> lock(m);
    inbox.clear();
  }
  // The sender's blocks exist before the clock starts (the mixer makes them anyway).
  const std::uint64_t chunks = (static_cast<std::uint64_t>(info.frames) + block - 1) / block;
  std::vector<StreamChunk> blocks(chunks);
  for (std::uint64_t i = 0; i < chunks; ++i) {
    const std::uint64_t first = i * block;
    const auto frames = static_cast<std::uint32_t>(std::min<std::uint64_t>(block, info.frames - first));
    StreamChunk& c = blocks[i];
    c.stream_id = "bench/master";
    c.sequence = i;
    c.block.first_frame = first;
    c.block.frames = frames;
    c.block.channels = info.channels;
    c.block.sample_rate_hz = info.samplerate;
    c.block.samples = std::make_shared<std::vector<float>>(
        pcm.begin() + static_cast<std::ptrdiff_t>(first * info.channels),
        pcm.begin() + static_cast<std::ptrdiff_t>((first + frames) * info.channels));
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t sent = 0, done = 0;
  std::vector<StreamChunk> work;
  while (done < chunks) {
    while (sent < chunks && sent < done + 256) {
      if (!(*pub)->publish(blocks[sent])) break;
      ++sent;
    }
    {
      // Sleep until chunks arrive (no spinning: the receiving thread needs the core).
      std::unique_lock<std::mutex> lock(m);
      cv.wait_for(lock, std::chrono::milliseconds(5), [&] { return !inbox.empty(); });
      work.swap(inbox);
    }
    for (auto& c : work) {
      if (c.stream_id != "bench/master") continue;  // late probes
      (*pipeline)->push(c);
      ++done;
    }
    work.clear();
  }
  (*pipeline)->stop();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto stats = (*pipeline)->stats();
  std::printf(
      "{\"preset\": \"%s\", \"audio_seconds\": %.3f, \"wall_seconds\": %.4f, \"gaps\": %llu, \"bytes\": %llu}\n",
      argv[2], static_cast<double>(info.frames) / info.samplerate, seconds, static_cast<unsigned long long>(stats.gaps),
      static_cast<unsigned long long>(stats.outputs.empty() ? 0 : stats.outputs[0].bytes_out));
  return stats.gaps == 0 ? 0 : 1;
}
