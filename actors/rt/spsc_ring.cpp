#include "rt/spsc_ring.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace crowdmesh::rt {

namespace {
std::size_t next_pow2(std::size_t n) {
  std::size_t p = 2;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

SpscRing::SpscRing(std::size_t capacity_frames, int channels)
    : capacity_(next_pow2(capacity_frames)),
      mask_(capacity_ - 1),
      channels_(channels),
      data_(new float[capacity_ * static_cast<std::size_t>(channels > 0 ? channels : 1)]()) {
  if (channels < 1) throw std::invalid_argument("SpscRing: channels must be >= 1");
}

std::size_t SpscRing::write_available() const noexcept {
  const auto w = write_pos_.load(std::memory_order_relaxed);
  const auto r = read_pos_.load(std::memory_order_acquire);
  return capacity_ - static_cast<std::size_t>(w - r);
}

bool SpscRing::write(const float* src, std::size_t frames) noexcept {
  if (frames > write_available()) return false;
  const auto w = write_pos_.load(std::memory_order_relaxed);
  const std::size_t start = static_cast<std::size_t>(w) & mask_;
  const std::size_t first = std::min(frames, capacity_ - start);
  const std::size_t ch = static_cast<std::size_t>(channels_);
  std::memcpy(data_.get() + start * ch, src, first * ch * sizeof(float));
  if (frames > first) std::memcpy(data_.get(), src + first * ch, (frames - first) * ch * sizeof(float));
  write_pos_.store(w + frames, std::memory_order_release);
  return true;
}

bool SpscRing::write_silence(std::size_t frames) noexcept {
  if (frames > write_available()) return false;
  const auto w = write_pos_.load(std::memory_order_relaxed);
  const std::size_t start = static_cast<std::size_t>(w) & mask_;
  const std::size_t first = std::min(frames, capacity_ - start);
  const std::size_t ch = static_cast<std::size_t>(channels_);
  std::memset(data_.get() + start * ch, 0, first * ch * sizeof(float));
  if (frames > first) std::memset(data_.get(), 0, (frames - first) * ch * sizeof(float));
  write_pos_.store(w + frames, std::memory_order_release);
  return true;
}

std::size_t SpscRing::read_available() const noexcept {
  const auto r = read_pos_.load(std::memory_order_relaxed);
  const auto w = write_pos_.load(std::memory_order_acquire);
  return static_cast<std::size_t>(w - r);
}

std::size_t SpscRing::read(float* dst, std::size_t frames) noexcept {
  const std::size_t n = std::min(frames, read_available());
  if (n == 0) return 0;
  const auto r = read_pos_.load(std::memory_order_relaxed);
  const std::size_t start = static_cast<std::size_t>(r) & mask_;
  const std::size_t first = std::min(n, capacity_ - start);
  const std::size_t ch = static_cast<std::size_t>(channels_);
  std::memcpy(dst, data_.get() + start * ch, first * ch * sizeof(float));
  if (n > first) std::memcpy(dst + first * ch, data_.get(), (n - first) * ch * sizeof(float));
  read_pos_.store(r + n, std::memory_order_release);
  return n;
}

std::size_t SpscRing::discard(std::size_t frames) noexcept {
  const std::size_t n = std::min(frames, read_available());
  read_pos_.store(read_pos_.load(std::memory_order_relaxed) + n, std::memory_order_release);
  return n;
}

std::size_t SpscRing::fill_estimate() const noexcept {
  const auto w = write_pos_.load(std::memory_order_acquire);
  const auto r = read_pos_.load(std::memory_order_acquire);
  return w >= r ? static_cast<std::size_t>(w - r) : 0;
}

}  // namespace crowdmesh::rt
