#include "netaudio/jitter_buffer.hpp"

#include <algorithm>
#include <cstring>

#include "netaudio/pts_math.hpp"

namespace crowdmesh::netaudio {

namespace {
std::uint32_t round_up_pow2(std::uint32_t v) {
  std::uint32_t c = 64;
  while (c < v && c < (1u << 30)) c <<= 1;
  return c;
}
}  // namespace

JitterBuffer::JitterBuffer(const JitterBufferConfig& config)
    : config_(config),
      channels_(std::max<std::uint32_t>(1, config.format.channels)),
      capacity_(round_up_pow2(config.capacity_frames)),
      mask_(capacity_ - 1),
      frames_(static_cast<std::size_t>(capacity_) * channels_, 0.0f),
      present_(capacity_, 0),
      concealer_(channels_, config.conceal_period_frames) {
  config_.format.channels = channels_;
  config_.format.sample_rate_hz = std::max<std::uint32_t>(1, config_.format.sample_rate_hz);
}

std::uint64_t JitterBuffer::extend(std::uint32_t timestamp) const noexcept {
  const auto delta = static_cast<std::int32_t>(timestamp - static_cast<std::uint32_t>(highest_));
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(highest_) + delta);
}

void JitterBuffer::clear() noexcept {
  std::fill(present_.begin(), present_.end(), 0);
  stored_ = 0;
  too_far_run_ = 0;
}

void JitterBuffer::start(const RtpPacket& p) noexcept {
  clear();
  started_ = true;
  reading_ = false;
  ssrc_ = p.header.ssrc;
  epoch_ = p.header.epoch;
  highest_ = (std::uint64_t{1} << 32) + p.header.timestamp;
  read_pos_ = highest_;
  end_ = highest_;
  pts_frame_ = highest_;
  pts_ns_ = p.header.pts_ns;
  played_end_ = 0;
  earliest_ = UINT64_MAX;
}

PushResult JitterBuffer::push(const RtpPacket& p) noexcept {
  if (p.kind != PacketKind::source || p.frames == 0 || !is_pcm(config_.format.encoding) ||
      p.payload_bytes != static_cast<std::size_t>(p.frames) * config_.format.frame_bytes())
    return PushResult::not_audio;
  return store(p, nullptr);
}

PushResult JitterBuffer::push(const RtpPacket& p, const float* decoded) noexcept {
  if (p.kind != PacketKind::source || p.frames == 0 || decoded == nullptr) return PushResult::not_audio;
  return store(p, decoded);
}

bool JitterBuffer::holds(const RtpPacket& p) const noexcept {
  if (!started_ || p.kind != PacketKind::source || p.frames == 0 || p.header.epoch != epoch_ ||
      p.header.ssrc != ssrc_ || (config_.pin_ssrc && p.header.ssrc != config_.ssrc))
    return false;
  const std::uint64_t begin = extend(p.header.timestamp);
  const std::uint64_t end = begin + p.frames;
  if (end <= floor()) return floor() - end < capacity_;  // late (not a resync candidate)
  if (begin < floor() || end > read_pos_ + capacity_) return false;
  return present_[begin & mask_] != 0;  // duplicate
}

// push()'s common part: `decoded` frames, or (null) the PCM payload.
PushResult JitterBuffer::store(const RtpPacket& p, const float* decoded) noexcept {  if (config_.pin_ssrc && p.header.ssrc != config_.ssrc) {
    ++stats_.wrong_ssrc_packets;
    return PushResult::wrong_ssrc;
  }
  if (!started_) {
    start(p);
  } else if (p.header.epoch != epoch_) {
    if (static_cast<std::int32_t>(p.header.epoch - epoch_) < 0) {
      ++stats_.stale_epoch_packets;
      return PushResult::stale_epoch;
    }
    ++stats_.epoch_resets;
    start(p);
  } else if (p.header.ssrc != ssrc_) {
    ++stats_.wrong_ssrc_packets;
    return PushResult::wrong_ssrc;
  }

  std::uint64_t begin = extend(p.header.timestamp);
  const std::uint64_t end = begin + p.frames;
  if (!reading_ && begin < read_pos_ && end_ - begin <= capacity_) read_pos_ = begin;  // arrived out of order
  // Frames before floor() were read (or skipped) already: late.
  const bool behind = end <= floor();
  const bool out_of_reach = behind ? floor() - end >= capacity_ : end > read_pos_ + capacity_;
  if (out_of_reach) {
    ++stats_.too_far_packets;
    if (++too_far_run_ < config_.resync_after) return PushResult::too_far;
    // The stream moved out of reach for good (its timeline jumped): follow it.
    clear();
    ++stats_.resyncs;
    read_pos_ = begin;
    highest_ = begin;
    end_ = begin;
    played_end_ = 0;
    earliest_ = UINT64_MAX;
  } else if (behind) {
    too_far_run_ = 0;
    ++stats_.late_packets;
    return PushResult::late;
  }
  too_far_run_ = 0;
  const std::uint32_t skip = begin < floor() ? static_cast<std::uint32_t>(floor() - begin) : 0;
  begin += skip;
  if (present_[begin & mask_]) {
    ++stats_.duplicate_packets;
    return PushResult::duplicate;
  }
  const std::size_t frame_bytes = config_.format.frame_bytes();
  const std::uint8_t* src = p.payload + static_cast<std::size_t>(skip) * frame_bytes;
  const float* dec = decoded ? decoded + static_cast<std::size_t>(skip) * channels_ : nullptr;
  for (std::uint64_t pos = begin; pos < end; ++pos, src += frame_bytes) {
    const std::size_t slot = static_cast<std::size_t>(pos & mask_);
    const float* frame = dec ? dec + static_cast<std::size_t>(pos - begin) * channels_ : nullptr;
    if (present_[slot]) continue;
    if (frame)
      std::copy(frame, frame + channels_, &frames_[slot * channels_]);
    else
      decode_pcm(config_.format.encoding, src, channels_, &frames_[slot * channels_]);
    present_[slot] = 1;
    ++stored_;
  }
  earliest_ = std::min(earliest_, begin);
  const std::uint64_t unextended = extend(p.header.timestamp);
  if (unextended >= highest_) {
    highest_ = unextended;
    pts_frame_ = unextended;
    pts_ns_ = p.header.pts_ns;
  }
  end_ = std::max(end_, end);
  ++stats_.accepted_packets;
  return PushResult::accepted;
}

std::int64_t JitterBuffer::pts_at(std::uint64_t position) const noexcept {
  const __int128 offset = static_cast<__int128>(position) - static_cast<__int128>(pts_frame_);
  return clamp_i64(static_cast<__int128>(pts_ns_) + ns_in_frames(offset, config_.format.sample_rate_hz));
}

std::uint64_t JitterBuffer::position_of(std::int64_t pts_ns) const noexcept {
  const __int128 offset = frames_in_ns(static_cast<__int128>(pts_ns) - static_cast<__int128>(pts_ns_),
                                       config_.format.sample_rate_hz);
  const __int128 pos = static_cast<__int128>(pts_frame_) + offset;
  // Positions are about 2^32 from the first packet: far outside means "long before" or "long after".
  if (pos < 0) return 0;
  if (pos > static_cast<__int128>(INT64_MAX)) return static_cast<std::uint64_t>(INT64_MAX);
  return static_cast<std::uint64_t>(pos);
}

void JitterBuffer::drop_until(std::uint64_t position) noexcept {
  // Every stored frame lies in [floor(), floor() + capacity): clear those before `position`.
  const std::uint64_t from = floor();
  if (position > from) {
    if (position - from >= capacity_) {
      clear();
    } else {
      for (std::uint64_t pos = from; pos < position; ++pos) {
        std::uint8_t& here = present_[pos & mask_];
        if (here) {
          here = 0;
          --stored_;
        }
      }
    }
  }
  played_end_ = std::max(played_end_, position);
}

void JitterBuffer::read_frames(float* out, std::uint32_t frames, std::uint8_t* missing_flags,
                               JitterBufferRead& r) noexcept {
  r.started = true;
  reading_ = true;
  r.position = read_pos_;
  r.pts_ns = pts_at(read_pos_);
  for (std::uint32_t i = 0; i < frames; ++i) {
    const std::uint64_t pos = read_pos_ + i;
    const std::size_t slot = static_cast<std::size_t>(pos & mask_);
    float* o = out + static_cast<std::size_t>(i) * channels_;
    bool here = false;
    if (pos < earliest_) {  // the stream had not begun: silence (kept as the concealer's history)
      std::fill(o, o + channels_, 0.0f);
      concealer_.good(o, o);
      ++r.silent;
    } else if (pos < played_end_) {  // played before a backward realign: not again
      concealer_.missing(o);
      ++r.rewound;
    } else if (present_[slot]) {
      here = true;
      concealer_.good(&frames_[slot * channels_], o);
      present_[slot] = 0;
      --stored_;
    } else {
      concealer_.missing(o);
      ++r.missing;
    }
    if (missing_flags) missing_flags[i] = here ? 0 : 1;
  }
  read_pos_ += frames;
  played_end_ = std::max(played_end_, read_pos_);
  end_ = std::max(end_, read_pos_);
  stats_.read_frames += frames;
  stats_.concealed_frames += r.missing;
  stats_.silent_frames += r.silent;
}

JitterBufferRead JitterBuffer::read(float* out, std::uint32_t frames, std::uint8_t* missing_flags) noexcept {
  JitterBufferRead r;
  if (!started_) {
    std::fill(out, out + static_cast<std::size_t>(frames) * channels_, 0.0f);
    if (missing_flags) std::fill(missing_flags, missing_flags + frames, std::uint8_t{1});
    r.missing = frames;
    return r;
  }
  read_frames(out, frames, missing_flags, r);
  return r;
}

JitterBufferRead JitterBuffer::read_at(float* out, std::uint32_t frames, std::int64_t pts_ns,
                                       std::uint8_t* missing_flags) noexcept {
  JitterBufferRead r;
  if (!started_) {
    std::fill(out, out + static_cast<std::size_t>(frames) * channels_, 0.0f);
    if (missing_flags) std::fill(missing_flags, missing_flags + frames, std::uint8_t{1});
    return r;
  }
  const std::uint64_t pos = position_of(pts_ns);
  if (!reading_) {
    // First read of this stream: start at pos (what was stored before it is dropped).
    drop_until(pos);
    read_pos_ = pos;
  } else if (pos > read_pos_ + 1) {
    ++stats_.realigns;
    stats_.realign_frames_skipped += pos - read_pos_;
    drop_until(pos);
    read_pos_ = pos;
    r.realigned = true;
  } else if (pos + 1 < read_pos_) {
    ++stats_.realigns;
    stats_.realign_frames_rewound += read_pos_ - pos;
    read_pos_ = pos;  // played_end_ stays: the frames up to it play as concealment
    r.realigned = true;
  }
  read_frames(out, frames, missing_flags, r);
  return r;
}

std::uint32_t JitterBuffer::buffered_frames() const noexcept { return stored_; }

std::uint64_t JitterBuffer::span_frames() const noexcept { return started_ ? end_ - read_pos_ : 0; }

}  // namespace crowdmesh::netaudio
