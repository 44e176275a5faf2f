#include "netaudio/stream_playout.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "common/error.hpp"
#include "netaudio/pts_math.hpp"

namespace crowdmesh::netaudio {

namespace {

// Linear fades over a block of n frames: in rises from 1/(n+1) to n/(n+1); out = 1 − in.
float fade_in(std::uint32_t i, std::uint32_t n) noexcept {
  return static_cast<float>(i + 1) / static_cast<float>(n + 1);
}

// out[i] = a[i] × (1 − g(i)) + b[i] × g(i) per frame (a or b null: that term is 0).
void cross_fade(float* out, const float* a, const float* b, std::uint32_t n, std::uint32_t ch) noexcept {
  for (std::uint32_t i = 0; i < n; ++i) {
    const float g = fade_in(i, n);
    for (std::uint32_t c = 0; c < ch; ++c) {
      const std::size_t k = static_cast<std::size_t>(i) * ch + c;
      out[k] = (a ? a[k] * (1.0f - g) : 0.0f) + (b ? b[k] * g : 0.0f);
    }
  }
}

}  // namespace

StreamPlayout::StreamPlayout(const StreamPlayoutConfig& config, std::shared_ptr<mixer::RenderPort> mixer)
    : cfg_(config),
      channels_(static_cast<std::uint32_t>(std::max(1, config.channels))),
      mixer_(std::move(mixer)),
      delay_frames_(static_cast<std::size_t>(config.max_latency_frames) + std::max<std::uint32_t>(1, config.max_frames_per_call)),
      delay_(delay_frames_ * channels_, 0.0f),
      mix_(static_cast<std::size_t>(std::max<std::uint32_t>(1, config.max_frames_per_call)) * channels_, 0.0f),
      feed_buf_(mix_.size(), 0.0f) {
  published_.store(figures_);
}

void StreamPlayout::render(float* out, std::size_t frames, std::int64_t pts_ns) noexcept {
  const std::size_t block = mix_.size() / channels_;
  const std::int64_t rate = std::max(1, cfg_.rate_hz);
  std::lock_guard<rt::PiMutex> lk(mutex_);
  for (std::size_t done = 0; done < frames;) {
    const auto n = static_cast<std::uint32_t>(std::min(block, frames - done));
    const std::int64_t pts = done == 0 ? pts_ns : shift_pts_by_frames(pts_ns, static_cast<std::int64_t>(done), rate);
    render_block(out + done * channels_, n, pts);
    done += n;
  }
  published_.store(figures_);
}

// Writes the delay line's frames `latency` behind written_ (the frames the
// local output plays now) to `dst`; frames from before the engage are silence.
void StreamPlayout::read_delay(float* dst, std::uint32_t n, std::uint32_t latency) const noexcept {
  for (std::uint32_t i = 0; i < n; ++i) {
    float* d = dst + static_cast<std::size_t>(i) * channels_;
    const std::uint64_t pos = written_ + i - latency;  // latency ≤ written_ + i once engaged_at_ ≤ pos
    if (written_ + i < static_cast<std::uint64_t>(latency) + engaged_at_) {
      std::fill(d, d + channels_, 0.0f);
    } else {
      const float* s = &delay_[static_cast<std::size_t>(pos % delay_frames_) * channels_];
      std::copy(s, s + channels_, d);
    }
  }
}

void StreamPlayout::write_delay(const float* src, std::uint32_t n) noexcept {
  for (std::uint32_t i = 0; i < n; ++i) {
    const float* s = src + static_cast<std::size_t>(i) * channels_;
    std::copy(s, s + channels_, &delay_[static_cast<std::size_t>((written_ + i) % delay_frames_) * channels_]);
  }
}

void StreamPlayout::fade_delay_in(std::uint32_t n) noexcept {
  for (std::uint32_t i = 0; i < n; ++i) {
    float* d = &delay_[static_cast<std::size_t>((written_ + i) % delay_frames_) * channels_];
    for (std::uint32_t c = 0; c < channels_; ++c) d[c] *= fade_in(i, n);
  }
}

void StreamPlayout::local_block(float* out, std::uint32_t n, bool source, std::uint32_t latency) noexcept {
  const float* mix = mix_.data();
  float* tmp = feed_buf_.data();  // free until the feeds are read
  const std::size_t samples = static_cast<std::size_t>(n) * channels_;
  if (!source && !cur_source_) {
    std::copy(mix, mix + samples, out);
    return;
  }
  const bool engage = source && (!cur_source_ || cur_latency_ != latency);
  write_delay(mix, n);
  if (!source) {  // leaving: the delayed output cross-fades into the undelayed mixer output
    read_delay(tmp, n, cur_latency_);
    cross_fade(out, tmp, mix, n, channels_);
  } else if (engage) {
    // The block playing fades out: the delayed output of the old latency, or
    // the undelayed mixer output. In the delay line this block fades in, and
    // what precedes it reads as silence: the delayed audio fades in L frames later.
    if (cur_source_) {
      read_delay(tmp, n, cur_latency_);
      cross_fade(out, tmp, nullptr, n, channels_);
    } else {
      cross_fade(out, mix, nullptr, n, channels_);
    }
    fade_delay_in(n);
    engaged_at_ = written_;
    read_delay(tmp, n, latency);
    for (std::size_t k = 0; k < samples; ++k) out[k] += tmp[k];
  } else {
    read_delay(out, n, latency);
  }
  written_ += n;
}

void StreamPlayout::add_feed(RemoteFeed* feed, float* out, std::uint32_t n, std::int64_t pts_ns, int ramp) noexcept {
  float* in = feed_buf_.data();
  const JitterBufferRead r = feed->read_at(in, n, pts_ns);
  figures_.remote_frames += n;
  figures_.remote_missing_frames += r.missing;
  if (ramp >= 0) figures_.remote_started = r.started;
  for (std::uint32_t i = 0; i < n; ++i) {
    const float g = ramp == 0 ? 1.0f : ramp > 0 ? fade_in(i, n) : 1.0f - fade_in(i, n);
    for (std::uint32_t c = 0; c < channels_; ++c) {
      const std::size_t k = static_cast<std::size_t>(i) * channels_ + c;
      out[k] += in[k] * g;
    }
  }
}

void StreamPlayout::render_block(float* out, std::uint32_t n, std::int64_t pts_ns) noexcept {
  const bool source = want_source_;
  const std::uint32_t latency = want_latency_;
  const std::int64_t mix_pts =
      source ? shift_pts_by_frames(pts_ns, latency, std::max(1, cfg_.rate_hz)) : pts_ns;
  float* mix = mix_.data();
  if (!mixer_ || !mixer_->render(mix, n, mix_pts)) std::fill(mix, mix + static_cast<std::size_t>(n) * channels_, 0.0f);
  if (source && sink_ && !sink_->push(mix, n, mix_pts)) ++figures_.sink_drops;

  local_block(out, n, source, latency);
  cur_source_ = source;
  cur_latency_ = source ? latency : 0;

  // The local output is heard unless a feed plays in its place; it fades on a change.
  const bool local_on = !(want_feed_ && !want_mix_local_);
  if (local_on != cur_local_on_) {
    cross_fade(out, local_on ? nullptr : out, local_on ? out : nullptr, n, channels_);
  } else if (!local_on) {
    std::fill(out, out + static_cast<std::size_t>(n) * channels_, 0.0f);
  }
  cur_local_on_ = local_on;

  if (want_feed_) add_feed(want_feed_, out, n, pts_ns, want_feed_ == cur_feed_ ? 0 : 1);
  if (cur_feed_ && cur_feed_ != want_feed_) add_feed(cur_feed_, out, n, pts_ns, -1);
  cur_feed_ = want_feed_;
  if (!cur_feed_) figures_.remote_started = false;

  ++figures_.blocks;
  figures_.source = cur_source_;
  figures_.latency_frames = cur_latency_;
  figures_.remote = cur_feed_ != nullptr;
  figures_.mix_local = cur_local_on_;
}

caf::expected<void> StreamPlayout::start_source(std::shared_ptr<BlockSink> sink, std::uint32_t latency_frames) {
  if (latency_frames == 0 || latency_frames > cfg_.max_latency_frames)
    return make_error(errc::value_out_of_range, "stream playout latency " + std::to_string(latency_frames) +
                                                    " frames is out of range (1.." +
                                                    std::to_string(cfg_.max_latency_frames) + " frames)");
  std::shared_ptr<BlockSink> old;  // released after the lock
  std::array<std::shared_ptr<RemoteFeed>, 3> unused;
  {
    std::lock_guard<rt::PiMutex> lk(mutex_);
    take_unused(unused);
    want_source_ = true;
    want_latency_ = latency_frames;
    old = std::move(sink_owner_);
    sink_owner_ = std::move(sink);
    sink_ = sink_owner_.get();
  }
  return {};
}

void StreamPlayout::stop_source() {
  std::shared_ptr<BlockSink> old;
  std::array<std::shared_ptr<RemoteFeed>, 3> unused;
  {
    std::lock_guard<rt::PiMutex> lk(mutex_);
    take_unused(unused);
    want_source_ = false;
    want_latency_ = 0;
    sink_ = nullptr;
    old = std::move(sink_owner_);
  }
}

void StreamPlayout::play_remote(std::shared_ptr<RemoteFeed> feed, bool mix_local) {
  if (!feed) {
    stop_remote();
    return;
  }
  std::array<std::shared_ptr<RemoteFeed>, 3> unused;
  std::array<std::shared_ptr<RemoteFeed>, 3> unused_after;
  {
    std::lock_guard<rt::PiMutex> lk(mutex_);
    take_unused(unused);  // now at most two owners: the wanted and the playing feed
    const bool held = std::any_of(feed_owners_.begin(), feed_owners_.end(),
                                  [&](const std::shared_ptr<RemoteFeed>& f) { return f.get() == feed.get(); });
    if (!held)
      for (auto& slot : feed_owners_)
        if (!slot) {
          slot = feed;
          break;
        }
    want_feed_ = feed.get();
    want_mix_local_ = mix_local;
    take_unused(unused_after);  // the feed wanted before, if it never played
  }
}

void StreamPlayout::stop_remote() {
  std::array<std::shared_ptr<RemoteFeed>, 3> unused;
  std::lock_guard<rt::PiMutex> lk(mutex_);
  want_feed_ = nullptr;
  want_mix_local_ = true;
  take_unused(unused);
  // `unused` is declared before the lock guard: destroyed after the unlock.
}

void StreamPlayout::release_unused() {
  std::array<std::shared_ptr<RemoteFeed>, 3> unused;
  std::lock_guard<rt::PiMutex> lk(mutex_);
  take_unused(unused);
}

void StreamPlayout::take_unused(std::array<std::shared_ptr<RemoteFeed>, 3>& out) noexcept {
  std::size_t k = 0;
  for (auto& slot : feed_owners_)
    if (slot && slot.get() != want_feed_ && slot.get() != cur_feed_) out[k++] = std::move(slot);
}

StreamPlayout::Stats StreamPlayout::stats() const { return published_.load(); }

}  // namespace crowdmesh::netaudio
