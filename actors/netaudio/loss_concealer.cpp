#include "netaudio/loss_concealer.hpp"

#include <algorithm>

namespace crowdmesh::netaudio {

LossConcealer::LossConcealer(std::uint32_t channels, std::uint32_t period_frames)
    : channels_(std::max<std::uint32_t>(1, channels)),
      period_(std::max<std::uint32_t>(4, period_frames)),
      fade_(period_ / 4),
      history_(static_cast<std::size_t>(period_) * channels_, 0.0f),
      repeat_(static_cast<std::size_t>(period_) * channels_, 0.0f),
      hold_(channels_, 0.0f),
      last_out_(channels_, 0.0f) {}

void LossConcealer::reset() noexcept {
  history_pos_ = 0;
  history_count_ = 0;
  repeat_len_ = 0;
  lost_run_ = 0;
  recover_left_ = 0;
  std::fill(last_out_.begin(), last_out_.end(), 0.0f);
}

float LossConcealer::concealed_sample(std::uint32_t j, std::uint32_t c) const noexcept {
  if (j >= period_ || repeat_len_ == 0) return 0.0f;
  const float gain = 1.0f - static_cast<float>(j) / static_cast<float>(period_);
  const float w = std::min(1.0f, static_cast<float>(j) / static_cast<float>(fade_));
  const float rep = repeat_[static_cast<std::size_t>(j % repeat_len_) * channels_ + c];
  return gain * ((1.0f - w) * hold_[c] + w * rep);
}

void LossConcealer::start_loss() noexcept {
  // The last good frames, oldest first, become the period to repeat.
  repeat_len_ = history_count_;
  const std::uint32_t first = (history_pos_ + period_ - history_count_) % period_;
  for (std::uint32_t i = 0; i < repeat_len_; ++i) {
    const std::uint32_t src = (first + i) % period_;
    std::copy_n(&history_[static_cast<std::size_t>(src) * channels_], channels_,
                &repeat_[static_cast<std::size_t>(i) * channels_]);
  }
  std::copy(last_out_.begin(), last_out_.end(), hold_.begin());
  recover_left_ = 0;
}

void LossConcealer::missing(float* out) noexcept {
  if (lost_run_ == 0) start_loss();
  for (std::uint32_t c = 0; c < channels_; ++c) out[c] = concealed_sample(lost_run_, c);
  ++lost_run_;
  std::copy_n(out, channels_, last_out_.begin());
}

void LossConcealer::good(const float* in, float* out) noexcept {
  if (lost_run_ > 0) {
    recover_left_ = fade_;
    recover_j_ = lost_run_;
    lost_run_ = 0;
  }
  float* h = &history_[static_cast<std::size_t>(history_pos_) * channels_];
  std::copy_n(in, channels_, h);
  history_pos_ = (history_pos_ + 1) % period_;
  history_count_ = std::min(history_count_ + 1, period_);
  if (recover_left_ > 0) {
    const float v = static_cast<float>(fade_ - recover_left_ + 1) / static_cast<float>(fade_ + 1);
    for (std::uint32_t c = 0; c < channels_; ++c) out[c] = (1.0f - v) * concealed_sample(recover_j_, c) + v * h[c];
    --recover_left_;
    ++recover_j_;
  } else if (out != in) {
    std::copy_n(in, channels_, out);
  }
  std::copy_n(out, channels_, last_out_.begin());
}

}  // namespace crowdmesh::netaudio
