#include "mixer/tap_relay.hpp"

#include <chrono>
#include <utility>
#include <vector>

#include <pthread.h>

namespace crowdmesh::mixer {
namespace {
// The relay thread drains the queue this often while the tap's consumers want
// blocks promptly: 20 wake-ups a second instead of one per rendered block (the
// render thread posts nothing), at the cost of at most this much extra
// latency for the tap (meters, encoders, the mesh stream).
constexpr auto kDrainInterval = std::chrono::milliseconds(50);
// ... and this often while they do not (nobody receives the stream, nobody
// watches the meters): 2 wake-ups a second (the telemetry actor reads the
// master meter once a second then). The relay's room (the mixer gives it a
// second) holds this plus the largest render batch.
constexpr auto kRelaxedDrainInterval = std::chrono::milliseconds(500);
constexpr std::size_t kPoolSize = 16;
constexpr std::size_t kRecords = 1024;
}  // namespace

TapRelay::TapRelay(Tap tap, int channels, int sample_rate_hz, std::size_t capacity_frames,
                   std::function<bool()> prompt)
    : tap_(std::move(tap)),
      prompt_(std::move(prompt)),
      channels_(channels),
      sample_rate_hz_(sample_rate_hz),
      samples_(capacity_frames, channels),
      records_(kRecords) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "cm.tap");  // ps/top/perf show it by name
    run();
  });
}

TapRelay::~TapRelay() { stop(); }

bool TapRelay::push(const float* samples, std::uint32_t frames, std::uint64_t first_frame,
                    std::int64_t pts_ns) noexcept {
  if (stopping_.load(std::memory_order_relaxed) || records_.write_available() == 0 ||
      !samples_.write(samples, frames)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  records_.try_push(Record{first_frame, pts_ns, frames});  // room checked above: one producer
  return true;
}

void TapRelay::set_title(std::string title) {
  std::lock_guard<std::mutex> lk(title_mutex_);
  title_ = std::move(title);
}

void TapRelay::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true, std::memory_order_release);
  wake_.post();
  thread_.join();
}

TapRelay::Stats TapRelay::stats() const noexcept {
  return Stats{relayed_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed),
               drains_.load(std::memory_order_relaxed)};
}

std::shared_ptr<std::vector<float>> TapRelay::take_vector(std::size_t samples) {
  for (auto& v : pool_)
    if (v.use_count() == 1) {  // the tap kept no reference: reuse it
      v->resize(samples);
      return v;
    }
  auto fresh = std::make_shared<std::vector<float>>(samples);
  if (pool_.size() < kPoolSize) pool_.push_back(fresh);
  return fresh;
}

bool TapRelay::relay_one() {
  Record r{};
  if (!records_.try_pop(r)) return false;
  AudioBlock b;
  b.samples = take_vector(static_cast<std::size_t>(r.frames) * static_cast<std::size_t>(channels_));
  samples_.read(b.samples->data(), r.frames);
  b.first_frame = r.first_frame;
  b.frames = r.frames;
  b.channels = channels_;
  b.sample_rate_hz = sample_rate_hz_;
  b.pts_ns = r.pts_ns;
  std::string title;
  {
    std::lock_guard<std::mutex> lk(title_mutex_);
    title = title_;
  }
  tap_(b, title);
  relayed_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void TapRelay::run() {
  for (;;) {
    const bool stopping = stopping_.load(std::memory_order_acquire);
    while (relay_one()) {
    }
    drains_.fetch_add(1, std::memory_order_relaxed);
    if (stopping) return;  // everything pushed before stop() was relayed above
    wake_.wait_for(!prompt_ || prompt_() ? kDrainInterval : kRelaxedDrainInterval);  // posted only by stop()
  }
}

}  // namespace crowdmesh::mixer
