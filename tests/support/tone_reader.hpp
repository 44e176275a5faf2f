#pragma once
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#include "common/frame_reader.hpp"

namespace crowdmesh::test {

/// A FrameReader for tests and benchmarks: a sine of integer frequency (or DC when 0)
/// of `length_frames` frames (0 = endless), every frame available at once
/// unless limited with set_available(). Same value on every channel.
class ToneReader final : public FrameReader {
 public:
  ToneReader(int sample_rate_hz, int channels, double frequency_hz, float amplitude, std::int64_t length_frames = 0)
      : rate_(sample_rate_hz),
        channels_(channels),
        freq_(frequency_hz),
        amp_(amplitude),
        length_(length_frames),
        table_(static_cast<std::size_t>(sample_rate_hz)) {
    // One second of the tone: reads are copies, like a real reader's FIFO
    // (exactly periodic for integer frequencies).
    for (std::size_t i = 0; i < table_.size(); ++i)
      table_[i] = freq_ == 0.0
                      ? amp_
                      : amp_ * static_cast<float>(std::sin(2.0 * M_PI * freq_ * static_cast<double>(i) / rate_));
  }

  std::size_t read(float* dst, std::size_t frames) noexcept override {
    const std::size_t n = std::min(frames, available());
    for (std::size_t i = 0; i < n; ++i) {
      const float v = value(pos_ + static_cast<std::int64_t>(i));
      for (int c = 0; c < channels_; ++c)
        dst[i * static_cast<std::size_t>(channels_) + static_cast<std::size_t>(c)] = v;
    }
    pos_ += static_cast<std::int64_t>(n);
    if (limit_ >= 0) limit_ -= static_cast<std::int64_t>(std::min<std::size_t>(n, static_cast<std::size_t>(limit_)));
    return n;
  }
  std::size_t available() const noexcept override {
    std::int64_t left = length_ > 0 && !loop_ ? length_ - pos_ : (1LL << 40);
    if (limit_ >= 0) left = std::min(left, limit_);
    return static_cast<std::size_t>(std::max<std::int64_t>(0, left));
  }
  bool finished() const noexcept override { return length_ > 0 && !loop_ && pos_ >= length_; }
  std::int64_t frames_read() const noexcept override { return pos_; }
  double file_position_seconds() const noexcept override { return static_cast<double>(pos_) / rate_; }
  void set_loop(bool loop) noexcept override { loop_ = loop; }
  bool loop() const noexcept override { return loop_; }

  /// Limits the frames the "reader thread" has produced so far (−1 = no limit).
  void set_available(std::int64_t frames) { limit_ = frames; }

 private:
  float value(std::int64_t frame) const { return table_[static_cast<std::size_t>(frame % rate_)]; }
  int rate_;
  int channels_;
  double freq_;
  float amp_;
  std::int64_t length_;
  std::int64_t pos_ = 0;
  std::int64_t limit_ = -1;
  bool loop_ = false;
  std::vector<float> table_;
};

}  // namespace crowdmesh::test
