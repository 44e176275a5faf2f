#include "mixer/deck_buffer.hpp"
#include "dsp/sanitize.hpp"

#include <algorithm>
#include <cmath>

#include "common/decibel.hpp"
#include "common/log.hpp"

namespace crowdmesh::mixer {

namespace {
// A fade-out is complete at -80 dB (about 9 smoothing time constants).
constexpr float kStopFloor = 1e-4f;
}  // namespace

DeckBuffer::DeckBuffer(std::uint32_t id, std::string path, int sample_rate_hz, int channels,
                       std::size_t max_block_frames, float smoothing_ms)
    : id_(id),
      sample_rate_hz_(sample_rate_hz),
      channels_(channels),
      gain_(static_cast<float>(sample_rate_hz), smoothing_ms, 1.0f),
      scratch_(max_block_frames * static_cast<std::size_t>(channels)) {
  info_.path = std::move(path);
}

void DeckBuffer::attach(std::shared_ptr<FrameReader> reader, BufferInfo info) {
  reader_ = std::move(reader);
  info_ = std::move(info);
  reader_->set_loop(loop_);
  error_.clear();
  load_error_ = errc::not_ready;
  if (state_ != BufferState::playing) state_ = BufferState::ready;
}

void DeckBuffer::swap_reader(std::shared_ptr<FrameReader>& reader, BufferInfo& info) noexcept {
  reader_.swap(reader);
  std::swap(info_, info);
  underrunning_ = false;
  loop_ = reader_ && reader_->loop();
  if (state_ == BufferState::ended) state_ = BufferState::playing;
}

void DeckBuffer::fail(errc code, std::string reason) {
  load_error_ = code;
  error_ = std::move(reason);
  if (!reader_) state_ = BufferState::failed;
}

bool DeckBuffer::play() {
  if (!reader_) return false;
  if (state_ == BufferState::ended && reader_->finished()) return false;
  // Fade in from silence: no click at the start of a track.
  if (state_ != BufferState::playing) gain_.jump_to(0.0f);
  stopping_ = false;
  update_target();
  state_ = BufferState::playing;
  return true;
}

void DeckBuffer::stop() {
  // Fade out over the smoothing time, then stop (render_add finishes it): no click.
  if (state_ == BufferState::playing) {
    stopping_ = true;
    gain_.set_target(0.0f);
  }
}

void DeckBuffer::set_loop(bool loop) {
  loop_ = loop;
  if (reader_) reader_->set_loop(loop);
}

void DeckBuffer::update_target() {
  if (!stopping_) gain_.set_target(muted_ ? 0.0f : gain_linear_);
}

void DeckBuffer::render_add(float* dst, std::size_t frames, std::int64_t pts_ns) {
  if (state_ != BufferState::playing || !reader_) return;
  if (pts_ns != 0) reader_->mark_presentation(pts_ns);
  const std::size_t ch = static_cast<std::size_t>(channels_);
  const std::size_t fifo = reader_->available();
  const std::size_t got = reader_->read(scratch_.data(), frames);
  nonfinite_samples_ += dsp::zero_nonfinite(scratch_.data(), got * ch);
  dsp::clamp_overs(scratch_.data(), got * ch);
  const bool short_now = got < frames && !reader_->finished();
  if (got < frames) {
    std::fill(scratch_.begin() + static_cast<std::ptrdiff_t>(got * ch),
              scratch_.begin() + static_cast<std::ptrdiff_t>(frames * ch), 0.0f);
    if (reader_->finished()) {
      state_ = BufferState::ended;
    } else {
      underrun_frames_ += frames - got;
    }
  }
  if (short_now && !underrunning_) {  // a new burst: said by take_findings(), off the render thread
    ++underrun_bursts_;
    burst_fifo_frames_ = fifo;
    burst_block_frames_ = frames;
  }
  underrunning_ = short_now;
  gain_.apply_add(scratch_.data(), dst, frames, channels_);
  if (stopping_ && gain_.current() <= kStopFloor) {
    gain_.jump_to(0.0f);
    stopping_ = false;
    state_ = BufferState::stopped;
    update_target();
  }
}

std::vector<std::string> DeckBuffer::take_findings() {
  std::vector<std::string> out;
  if (underrun_bursts_ > underrun_bursts_said_) {
    out.push_back(
        fmt::format("mixer: buffer {} ({}) underrun: its FIFO held {} frames, the block needed {}{}", id_, info_.path,
                    burst_fifo_frames_, burst_block_frames_,
                    underrun_bursts_ - underrun_bursts_said_ > 1
                        ? fmt::format(" ({} bursts since the last report)", underrun_bursts_ - underrun_bursts_said_)
                        : std::string()));
    underrun_bursts_said_ = underrun_bursts_;
  }
  if (nonfinite_samples_ > 0 && nonfinite_said_ == 0)  // once per buffer: the file is broken, not the mix
    out.push_back(fmt::format("mixer: buffer {} ({}) holds NaN/infinite samples: played as silence and counted", id_,
                              info_.path));
  nonfinite_said_ = nonfinite_samples_;
  return out;
}

bool DeckBuffer::starving(std::size_t frames) const {
  return state_ == BufferState::playing && reader_ && !reader_->finished() && reader_->available() < frames;
}

BufferStatus DeckBuffer::status() const {
  BufferStatus s;
  s.id = id_;
  s.state = state_;
  s.info = info_;
  s.loop = loop_;
  s.gain_db = gain_to_db(gain_linear_);
  s.muted = muted_;
  s.underrun_frames = underrun_frames_;
  s.nonfinite_samples = nonfinite_samples_;
  s.error = error_;
  if (reader_) s.position_seconds = reader_->file_position_seconds();
  return s;
}

}  // namespace crowdmesh::mixer
