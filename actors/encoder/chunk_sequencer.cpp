#include "encoder/chunk_sequencer.hpp"

#include <algorithm>
#include <cmath>

#include "dsp/sanitize.hpp"

namespace crowdmesh::encoder {

ChunkSequencer::ChunkSequencer(double fade_ms, double max_conceal_seconds)
    : fade_ms_(fade_ms > 0 ? fade_ms : 5.0),
      max_conceal_seconds_(max_conceal_seconds > 0 ? max_conceal_seconds : 10.0) {}

void ChunkSequencer::fade(float* s, std::size_t frames, bool fade_in) const {
  const std::size_t ch = format_.channels;
  const auto len =
      std::min<std::size_t>(frames, static_cast<std::size_t>(std::max(1.0, fade_ms_ * 1e-3 * format_.sample_rate_hz)));
  // Raised cosine over `len` frames at the start (fade in) or the end (fade out).
  for (std::size_t i = 0; i < len; ++i) {
    const double x = (static_cast<double>(i) + 0.5) / static_cast<double>(len);
    const float g = static_cast<float>(0.5 - 0.5 * std::cos(M_PI * x));
    const std::size_t f = fade_in ? i : frames - 1 - i;
    for (std::size_t c = 0; c < ch; ++c) s[f * ch + c] *= g;
  }
}

float* ChunkSequencer::held_for_writing() {
  if (!held_copied_) {
    const std::size_t n = held_frames_ * format_.channels;
    held_.assign(held_shared_->begin(), held_shared_->begin() + static_cast<std::ptrdiff_t>(n));
    held_copied_ = true;
    held_shared_.reset();
  }
  return held_.data();
}

void ChunkSequencer::hold(const StreamChunk& c) {
  held_shared_ = c.block.samples;  // the sender never writes a block it sent
  held_copied_ = false;
  held_frames_ = c.block.frames;
  // NaN or infinities from a broken sender would stay in every encoder's
  // filter state: passed on as silence, counted.
  const std::size_t n = static_cast<std::size_t>(c.block.frames) * static_cast<std::size_t>(c.block.channels);
  if (c.block.samples && c.block.samples->size() >= n) {
    bool bad = false;
    for (std::size_t i = 0; i < n && !bad; ++i) bad = !std::isfinite((*c.block.samples)[i]);
    if (bad) counters_.nonfinite_samples += dsp::zero_nonfinite(held_for_writing(), n);
  }
  if (fade_in_next_) {
    fade(held_for_writing(), c.block.frames, true);
    fade_in_next_ = false;
  }
  holding_ = true;
  last_frames_ = c.block.frames;
  expected_ = c.sequence + 1;
  next_frame_ = c.block.first_frame + c.block.frames;
  ++counters_.chunks;
}

void ChunkSequencer::release(SequencedAudioListener& out) {
  if (!holding_) return;
  out.on_audio(held_copied_ ? held_.data() : held_shared_->data(), held_frames_);
  holding_ = false;
  held_shared_.reset();
}

void ChunkSequencer::conceal(std::uint64_t frames, SequencedAudioListener& out) {
  const std::size_t block = 4096;
  silence_.assign(block * format_.channels, 0.0f);
  counters_.concealed_frames += frames;
  while (frames > 0) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(frames, block));
    out.on_audio(silence_.data(), n);
    frames -= n;
  }
}

void ChunkSequencer::push(const StreamChunk& c, SequencedAudioListener& out) {
  if (!c.block.samples || c.block.frames == 0 || c.block.channels <= 0 || c.block.sample_rate_hz <= 0) return;
  if (c.block.samples->size() < static_cast<std::size_t>(c.block.frames) * static_cast<std::size_t>(c.block.channels))
    return;
  const PcmFormat f{static_cast<std::uint32_t>(c.block.sample_rate_hz), static_cast<std::uint32_t>(c.block.channels)};
  if (!has_format_) {
    format_ = f;
    has_format_ = true;
    out.on_format(f);
    hold(c);
    return;
  }
  if (f != format_) {
    if (holding_) fade(held_for_writing(), held_frames_, false);
    release(out);
    ++counters_.format_changes;
    format_ = f;
    out.on_format(f);
    fade_in_next_ = true;
    hold(c);
    return;
  }
  if (c.sequence == expected_) {
    release(out);
    hold(c);
    return;
  }
  const bool sender_restarted = c.sequence == 0;
  if (c.sequence < expected_ && !sender_restarted) {
    ++counters_.late_chunks;
    return;
  }
  // A gap, or a new beginning: fade out what we hold first.
  if (holding_) fade(held_for_writing(), held_frames_, false);
  release(out);
  fade_in_next_ = true;
  if (sender_restarted) {
    ++counters_.restarts;
    out.on_restart();
    hold(c);
    return;
  }
  const std::uint64_t lost = c.sequence - expected_;
  std::uint64_t missing = lost * last_frames_;
  if (c.block.first_frame > next_frame_ && c.block.first_frame - next_frame_ >= lost)
    missing = c.block.first_frame - next_frame_;
  ++counters_.gaps;
  counters_.lost_chunks += lost;
  if (static_cast<double>(missing) > max_conceal_seconds_ * format_.sample_rate_hz) {
    ++counters_.restarts;
    out.on_restart();
  } else {
    conceal(missing, out);
  }
  hold(c);
}

void ChunkSequencer::flush(SequencedAudioListener& out) { release(out); }

}  // namespace crowdmesh::encoder
