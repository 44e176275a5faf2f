#pragma once
// Fakes around a StreamPlayout: a mixer (a sine per channel on its own frame
// counter, recording the PTS it was asked for), a sink recording pushes, and a
// feed whose frame at PTS p is a known function of p's grid frame. None of
// them allocates while rendering (capacities reserved up front).
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "mixer/render_port.hpp"
#include "netaudio/block_sink.hpp"
#include "netaudio/pts_math.hpp"
#include "netaudio/remote_feed.hpp"

namespace crowdmesh::netaudio::test {

constexpr int kRate = 48000;
constexpr int kCh = 2;

/// PTS of mesh grid frame m: round(m × 1e9 / rate).
inline std::int64_t grid_pts(std::int64_t m) { return static_cast<std::int64_t>(ns_in_frames(m, kRate)); }

/// Sample c of the fake mixer's frame k (its own continuous frame counter).
inline float mixer_sample(std::uint64_t k, int c) {
  return static_cast<float>(0.5 * std::sin(0.01 * static_cast<double>(k) + c));
}
/// Sample c of the fake feed's frame at grid frame m.
inline float feed_sample(std::int64_t m, int c) {
  return static_cast<float>(0.3 * std::cos(0.013 * static_cast<double>(m) + 2 * c));
}

struct FakeMixer {
  FakeMixer() : port(std::make_shared<mixer::RenderPort>()) {
    pts.reserve(1 << 16);
    port->attach([this](float* out, std::size_t frames, std::int64_t p) {
      if (pts.size() < pts.capacity()) pts.push_back(p);
      for (std::size_t i = 0; i < frames; ++i, ++next)
        for (int c = 0; c < kCh; ++c) out[i * kCh + c] = mixer_sample(next, c);
    });
  }
  std::shared_ptr<mixer::RenderPort> port;
  std::uint64_t next = 0;
  std::vector<std::int64_t> pts;
};

struct FakeSink : BlockSink {
  FakeSink() {
    pts.reserve(1 << 16);
    frames.reserve(1 << 22);
  }
  bool push(const float* interleaved, std::uint32_t n, std::int64_t pts_ns) noexcept override {
    if (pts.size() < pts.capacity()) pts.push_back(pts_ns);
    if (frames.size() + n * kCh <= frames.capacity()) frames.insert(frames.end(), interleaved, interleaved + n * kCh);
    return accept;
  }
  bool accept = true;
  std::vector<std::int64_t> pts;
  std::vector<float> frames;
};

struct FakeFeed : RemoteFeed {
  FakeFeed() { pts.reserve(1 << 16); }
  JitterBufferRead read_at(float* out, std::uint32_t n, std::int64_t pts_ns) noexcept override {
    if (pts.size() < pts.capacity()) pts.push_back(pts_ns);
    const auto m = static_cast<std::int64_t>(frames_in_ns(pts_ns, kRate));
    for (std::uint32_t i = 0; i < n; ++i)
      for (int c = 0; c < kCh; ++c) out[i * kCh + c] = feed_sample(m + i, c);
    JitterBufferRead r;
    r.started = true;
    r.missing = missing_per_read;
    r.pts_ns = pts_ns;
    return r;
  }
  std::uint32_t missing_per_read = 0;
  std::vector<std::int64_t> pts;
};

}  // namespace crowdmesh::netaudio::test
