#include "stretch/file_source.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "stretch/channel_map.hpp"

namespace crowdmesh::stretch {

namespace {

// A file frame on a loop of `length` frames from `begin` (length 0: no loop
// yet, the frame as it is); never negative.
double wrap_into(double file_frame, double begin, double length) noexcept {
  if (length > 0.0) {
    file_frame = begin + std::fmod(file_frame - begin, length);
    if (file_frame < begin) file_frame += length;
  }
  return std::max(file_frame, 0.0);
}

std::string range_sentence(const std::string& what, const std::string& value, const std::string& lo,
                           const std::string& hi) {
  return what + " " + value + " is outside the allowed range " + lo + ".." + hi;
}

}  // namespace

caf::expected<std::unique_ptr<FileSource>> FileSource::open(const std::string& path, const SourceConfig& cfg) {
  try {
    if (cfg.device_channels < kMinChannels || cfg.device_channels > kMaxChannels)
      return make_error(errc::value_out_of_range,
                        range_sentence("device channel count", std::to_string(cfg.device_channels),
                                       std::to_string(kMinChannels), std::to_string(kMaxChannels)));
    if (cfg.device_rate_hz < kMinDeviceRateHz || cfg.device_rate_hz > kMaxDeviceRateHz)
      return make_error(errc::value_out_of_range,
                        range_sentence("device sample rate", std::to_string(cfg.device_rate_hz) + " Hz",
                                       std::to_string(kMinDeviceRateHz), std::to_string(kMaxDeviceRateHz) + " Hz"));
    if (cfg.fifo_frames < kMinFifoFrames || cfg.fifo_frames > kMaxFifoFrames)
      return make_error(errc::value_out_of_range,
                        range_sentence("FIFO size", std::to_string(cfg.fifo_frames) + " frames",
                                       std::to_string(kMinFifoFrames), std::to_string(kMaxFifoFrames) + " frames"));

    auto decoder = SndfileDecoder::open(path);
    if (!decoder) return std::move(decoder.error());
    const SourceInfo& info = (*decoder)->info();
    if (info.file_channels < kMinChannels || info.file_channels > kMaxChannels)
      return make_error(errc::unsupported_channels, info.path + " has " + std::to_string(info.file_channels) +
                                                        " channels; supported: " + std::to_string(kMinChannels) + ".." +
                                                        std::to_string(kMaxChannels));
    if (info.file_rate_hz <= 0)
      return make_error(errc::unsupported_format, info.path + " reports sample rate " +
                                                      std::to_string(info.file_rate_hz) + " Hz; it must be positive");
    const double ratio = static_cast<double>(cfg.device_rate_hz) / static_cast<double>(info.file_rate_hz);
    // playback_rate folds the tempo into the ratio: every tempo in range must fit.
    if (ratio / kMaxTempoRatio < SamplerateResampler::kMinRatio ||
        ratio / kMinTempoRatio > SamplerateResampler::kMaxRatio)
      return make_error(errc::unsupported_format, info.path + " has sample rate " + std::to_string(info.file_rate_hz) +
                                                      " Hz; converting it to " + std::to_string(cfg.device_rate_hz) +
                                                      " Hz at tempo ratios 0.5..2.0 needs a ratio outside "
                                                      "libsamplerate's 1/256..256");
    if (cfg.start_frame < 0 || (info.file_frames > 0 && cfg.start_frame > info.file_frames))
      return make_error(errc::value_out_of_range, range_sentence("start frame", std::to_string(cfg.start_frame), "0",
                                                                 std::to_string(info.file_frames)) +
                                                      " for " + info.path);
    const std::int64_t region_end = cfg.end_frame > 0 ? cfg.end_frame : info.file_frames;
    if (cfg.end_frame < 0 || (cfg.end_frame > 0 && (cfg.end_frame <= cfg.start_frame ||
                                                    (info.file_frames > 0 && cfg.end_frame > info.file_frames))))
      return make_error(errc::value_out_of_range,
                        range_sentence("end frame", std::to_string(cfg.end_frame),
                                       std::to_string(cfg.start_frame + 1), std::to_string(info.file_frames)) +
                            " for " + info.path);
    if (cfg.loop_begin_frame < 0 || (region_end > 0 && cfg.loop_begin_frame >= region_end))
      return make_error(errc::value_out_of_range,
                        range_sentence("loop begin frame", std::to_string(cfg.loop_begin_frame), "0",
                                       std::to_string(region_end - 1)) +
                            " for " + info.path);

    if (!std::isfinite(cfg.tempo_ratio) || cfg.tempo_ratio < kMinTempoRatio || cfg.tempo_ratio > kMaxTempoRatio)
      return make_error(errc::value_out_of_range,
                        range_sentence("tempo ratio", std::to_string(cfg.tempo_ratio), "0.5", "2.0"));
    if (auto ok = SoundTouchStretcher::validate(cfg.device_rate_hz, cfg.device_channels, cfg.soundtouch); !ok)
      return std::move(ok.error());

    const double src_ratio = cfg.method == StretchMethod::playback_rate ? ratio / cfg.tempo_ratio : ratio;
    auto resampler = SamplerateResampler::create(cfg.quality, cfg.device_channels, src_ratio);
    if (!resampler) return std::move(resampler.error());

    if (cfg.start_frame > 0) {
      auto sought = (*decoder)->seek(cfg.start_frame);
      if (!sought) return std::move(sought.error());
    }
    return std::unique_ptr<FileSource>(new FileSource(cfg, std::move(*decoder), std::move(*resampler)));
  } catch (const std::exception& e) {
    return make_error(errc::internal, "opening source " + path + " failed: " + e.what());
  }
}

FileSource::FileSource(const SourceConfig& cfg, std::unique_ptr<SndfileDecoder> decoder,
                       std::unique_ptr<SamplerateResampler> resampler)
    : cfg_(cfg),
      info_(decoder->info()),
      decoder_(std::move(decoder)),
      resampler_(std::move(resampler)),
      stretcher_(std::make_unique<SoundTouchStretcher>(cfg.device_rate_hz, cfg.device_channels, cfg.soundtouch)),
      ring_(cfg.fifo_frames, cfg.device_channels),
      base_ratio_(static_cast<double>(cfg.device_rate_hz) / static_cast<double>(info_.file_rate_hz)),
      fade_frames_(
          std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(kSwitchFadeSeconds * cfg.device_rate_hz)))),
      decode_buf_(kDecodeBlockFrames * static_cast<std::size_t>(info_.file_channels)),
      mapped_buf_(kDecodeBlockFrames * static_cast<std::size_t>(cfg.device_channels)),
      out_buf_(kOutputBlockFrames * static_cast<std::size_t>(cfg.device_channels)),
      stage_buf_(kOutputBlockFrames * static_cast<std::size_t>(cfg.device_channels)),
      active_method_(cfg.method),
      applied_tempo_(cfg.tempo_ratio),
      prev_src_ratio_(resampler_->ratio()),
      src_out_pos_(static_cast<double>(cfg.start_frame)),
      loop_(cfg.loop),
      tempo_req_(cfg.tempo_ratio),
      method_req_(static_cast<int>(cfg.method)) {
  stretcher_->set_tempo(cfg.tempo_ratio);
  publish_position();
}

FileSource::~FileSource() = default;

void FileSource::note_error(std::string message) noexcept {
  if (error_noted_) return;
  error_noted_ = true;
  try {
    last_error_ = std::move(message);
  } catch (...) {
    // Out of memory for the message: the counter still reports it.
  }
  decode_errors_.fetch_add(1, std::memory_order_relaxed);
}

bool FileSource::refill_input() {
  bool looped = false;
  for (;;) {
    std::size_t want = kDecodeBlockFrames;
    if (cfg_.end_frame > 0) {
      const std::int64_t left = cfg_.end_frame - decoder_->position();
      want = left > 0 ? std::min<std::size_t>(want, static_cast<std::size_t>(left)) : 0;
    }
    const std::size_t n = want > 0 ? decoder_->read_frames(decode_buf_.data(), want) : 0;
    if (decoder_->failed()) note_error(decoder_->error_message());
    if (n > 0) {
      map_channels(decode_buf_.data(), info_.file_channels, mapped_buf_.data(), cfg_.device_channels, n);
      in_offset_ = 0;
      in_pending_ = n;
      return true;
    }
    if (decoder_->failed()) return false;
    // Clean end of the file or of the region. A loop that yields nothing right
    // after seeking is an empty file: end instead of spinning.
    if (looped || !loop_.load(std::memory_order_relaxed)) return false;
    const std::int64_t begin = cfg_.loop_begin_frame;
    if (decoder_->position() > begin) {
      wrap_begin_ = static_cast<double>(begin);
      wrap_frames_ = static_cast<double>(decoder_->position() - begin);
    }
    auto sought = decoder_->seek(begin);
    if (!sought) {
      note_error(error_sentence(sought.error()));
      return false;
    }
    looped = true;
  }
}

double FileSource::wrap(double file_frame) const noexcept {
  return wrap_into(file_frame, wrap_begin_, wrap_frames_);
}

double FileSource::write_end_position() const {
  double pos = src_out_pos_;
  if (active_method_ == StretchMethod::soundtouch)
    pos -= static_cast<double>(stretcher_->latency_frames()) / base_ratio_;
  return wrap(pos);
}

void FileSource::publish_position() noexcept {
  const std::uint32_t seq = pos_seq_.load(std::memory_order_relaxed);
  pos_seq_.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  pos_file_frame_.store(write_end_position(), std::memory_order_relaxed);
  pos_written_.store(frames_written_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  pos_per_frame_.store(applied_tempo_ / base_ratio_, std::memory_order_relaxed);
  pos_wrap_.store(wrap_frames_, std::memory_order_relaxed);
  pos_wrap_begin_.store(wrap_begin_, std::memory_order_relaxed);
  pos_seq_.store(seq + 2, std::memory_order_release);
}

caf::expected<void> FileSource::configure_ratio() {
  const double r = active_method_ == StretchMethod::playback_rate ? base_ratio_ / applied_tempo_ : base_ratio_;
  if (r == resampler_->ratio()) return {};
  return resampler_->set_ratio(r);
}

void FileSource::apply_requests() {
  const double tempo = tempo_req_.load(std::memory_order_relaxed);
  if (tempo != applied_tempo_) {
    applied_tempo_ = tempo;
    if (active_method_ == StretchMethod::playback_rate) {
      if (auto ok = configure_ratio(); !ok) note_error(error_sentence(ok.error()));
    } else {
      stretcher_->set_tempo(tempo);
    }
  }
  const auto wanted = static_cast<StretchMethod>(method_req_.load(std::memory_order_relaxed));
  if (wanted != active_method_) {
    if (fade_ == Fade::in) {
      fade_pos_ = fade_frames_ - std::min(fade_pos_, fade_frames_);  // same gain, going down
    } else if (fade_ == Fade::none) {
      fade_pos_ = 0;
    }
    fade_ = Fade::out;
  } else if (fade_ == Fade::out) {
    // Switched back before the bottom of the dip: fade in again from the current gain.
    fade_pos_ = fade_frames_ - std::min(fade_pos_, fade_frames_);
    fade_ = Fade::in;
  }
}

void FileSource::apply_fade(float* buf, std::size_t frames) noexcept {
  if (fade_ == Fade::none) return;
  const auto dch = static_cast<std::size_t>(cfg_.device_channels);
  const float inv = 1.0f / static_cast<float>(fade_frames_);
  for (std::size_t n = 0; n < frames; ++n) {
    const std::size_t p = std::min(fade_pos_, fade_frames_);
    const float g = fade_ == Fade::out ? 1.0f - static_cast<float>(p) * inv : static_cast<float>(p) * inv;
    for (std::size_t c = 0; c < dch; ++c) buf[n * dch + c] *= g;
    if (fade_pos_ < fade_frames_) ++fade_pos_;
  }
  if (fade_ == Fade::in && fade_pos_ >= fade_frames_) fade_ = Fade::none;
}

void FileSource::switch_method() {
  // Bottom of the dip: everything the old path still holds is dropped and the
  // decoder is re-positioned to the file frame its output reached.
  const double pos = write_end_position();
  active_method_ = static_cast<StretchMethod>(method_req_.load(std::memory_order_relaxed));
  const auto target = static_cast<std::int64_t>(std::llround(pos));
  if (auto sought = decoder_->seek(target); sought) {
    in_offset_ = 0;
    in_pending_ = 0;
    end_of_input_ = false;
    src_out_pos_ = static_cast<double>(target);
  } else {
    // Not seekable there: continue from the decoder's position (a small jump).
    src_out_pos_ = wrap(static_cast<double>(decoder_->position()) - static_cast<double>(in_pending_));
  }
  resampler_->reset();
  if (auto ok = configure_ratio(); !ok) note_error(error_sentence(ok.error()));
  prev_src_ratio_ = resampler_->ratio();
  stretcher_->clear();
  stretcher_->set_tempo(applied_tempo_);
  src_done_ = false;
  st_flushed_ = false;
  fade_ = Fade::in;
  fade_pos_ = 0;
}

caf::expected<SamplerateResampler::Result> FileSource::run_resampler(float* out, std::size_t cap) {
  const auto dch = static_cast<std::size_t>(cfg_.device_channels);
  if (in_pending_ == 0 && !end_of_input_ && !refill_input()) end_of_input_ = true;
  auto result = resampler_->process(mapped_buf_.data() + in_offset_ * dch, in_pending_, out, cap, end_of_input_);
  if (!result) return std::move(result.error());
  in_offset_ += result->input_used;
  in_pending_ -= result->input_used;
  // libsamplerate glides linearly from the previous call's ratio across this call.
  const double ratio = resampler_->ratio();
  const double used_ratio = 0.5 * (prev_src_ratio_ + ratio);
  prev_src_ratio_ = ratio;
  src_out_pos_ += static_cast<double>(result->output_generated) / used_ratio;
  if (wrap_frames_ > 0.0 && src_out_pos_ >= wrap_begin_ + wrap_frames_) src_out_pos_ -= wrap_frames_;
  return result;
}

caf::expected<FileSource::Step> FileSource::produce_playback_rate(std::size_t cap) {
  auto result = run_resampler(out_buf_.data(), cap);
  if (!result) return std::move(result.error());
  Step step;
  step.frames = result->output_generated;
  step.progressed = result->input_used > 0 || result->output_generated > 0;
  step.done = end_of_input_ && in_pending_ == 0 && result->output_generated == 0;
  return step;
}

caf::expected<FileSource::Step> FileSource::produce_soundtouch(std::size_t cap) {
  // SoundTouch needs a whole sequence (tens of ms) before it outputs anything;
  // the bound only keeps a misbehaving stage from spinning the reader.
  for (int round = 0; round < 256; ++round) {
    if (stretcher_->available() > 0) {
      Step step;
      step.frames = stretcher_->receive(out_buf_.data(), cap);
      step.progressed = true;
      return step;
    }
    if (st_flushed_) {
      Step step;
      step.done = true;
      return step;
    }
    if (src_done_) {
      stretcher_->flush();
      st_flushed_ = true;
      continue;
    }
    auto result = run_resampler(stage_buf_.data(), kOutputBlockFrames);
    if (!result) return std::move(result.error());
    if (result->output_generated > 0) stretcher_->put(stage_buf_.data(), result->output_generated);
    if (end_of_input_ && in_pending_ == 0 && result->output_generated == 0) src_done_ = true;
    if (result->input_used == 0 && result->output_generated == 0 && !src_done_) return Step{};
  }
  Step step;
  step.progressed = true;
  return step;
}

std::size_t FileSource::fill(std::size_t max_frames) noexcept {
  if (ended_.load(std::memory_order_relaxed)) return 0;
  std::size_t written = 0;
  try {
    int idle_rounds = 0;
    while (written < max_frames) {
      const std::size_t space = ring_.write_available();
      if (space == 0) break;
      apply_requests();
      if (fade_ == Fade::out && fade_pos_ >= fade_frames_) switch_method();

      std::size_t cap = std::min({space, max_frames - written, kOutputBlockFrames});
      if (fade_ == Fade::out) cap = std::min(cap, fade_frames_ - fade_pos_);
      auto step = active_method_ == StretchMethod::playback_rate ? produce_playback_rate(cap) : produce_soundtouch(cap);
      if (!step) {
        note_error(info_.path + ": " + error_sentence(step.error()));
        publish_position();
        ended_.store(true, std::memory_order_release);
        break;
      }
      if (step->frames > 0) {
        apply_fade(out_buf_.data(), step->frames);
        ring_.write(out_buf_.data(), step->frames);  // fits: cap <= space
        written += step->frames;
        frames_written_.store(frames_written_.load(std::memory_order_relaxed) + static_cast<std::int64_t>(step->frames),
                              std::memory_order_relaxed);
        publish_position();
      }
      if (step->done) {
        publish_position();
        ended_.store(true, std::memory_order_release);
        break;
      }
      // libsamplerate always makes progress when offered input and room; this
      // guard only keeps a misbehaving converter from spinning the reader.
      if (!step->progressed) {
        if (++idle_rounds > 8) break;
      } else {
        idle_rounds = 0;
      }
    }
  } catch (const std::exception& e) {
    note_error(info_.path + ": reading failed: " + e.what());
    ended_.store(true, std::memory_order_release);
  } catch (...) {
    note_error(info_.path + ": reading failed");
    ended_.store(true, std::memory_order_release);
  }
  return written;
}

bool FileSource::input_ended() const noexcept { return ended_.load(std::memory_order_acquire); }

std::int64_t FileSource::frames_written() const noexcept { return frames_written_.load(std::memory_order_relaxed); }

std::size_t FileSource::read(float* dst, std::size_t frames) noexcept {
  const std::size_t n = ring_.read(dst, frames);
  if (n > 0)
    frames_read_.store(frames_read_.load(std::memory_order_relaxed) + static_cast<std::int64_t>(n),
                       std::memory_order_relaxed);
  return n;
}

void FileSource::mark_presentation(std::int64_t pts_ns) noexcept {
  presentation_.store(PresentationMark{frames_read_.load(std::memory_order_relaxed), pts_ns});
}

std::optional<std::int64_t> FileSource::presented_frame_at(std::int64_t pts_ns) const noexcept {
  const auto m = presentation_.load();
  if (m.pts_ns == 0) return std::nullopt;
  const double frames = static_cast<double>(pts_ns - m.pts_ns) * cfg_.device_rate_hz / 1e9;
  return m.frames_read + static_cast<std::int64_t>(std::ceil(frames - 1e-6));
}

std::size_t FileSource::available() const noexcept { return ring_.read_available(); }

bool FileSource::finished() const noexcept {
  return ended_.load(std::memory_order_acquire) && ring_.read_available() == 0;
}

std::int64_t FileSource::frames_read() const noexcept { return frames_read_.load(std::memory_order_relaxed); }

void FileSource::set_loop(bool loop) noexcept { loop_.store(loop, std::memory_order_relaxed); }

bool FileSource::loop() const noexcept { return loop_.load(std::memory_order_relaxed); }

void FileSource::set_tempo_ratio(double ratio) noexcept {
  if (std::isnan(ratio)) return;
  tempo_req_.store(std::clamp(ratio, kMinTempoRatio, kMaxTempoRatio), std::memory_order_relaxed);
}

double FileSource::tempo_ratio() const noexcept { return tempo_req_.load(std::memory_order_relaxed); }

void FileSource::set_method(StretchMethod method) noexcept {
  method_req_.store(static_cast<int>(method), std::memory_order_relaxed);
}

StretchMethod FileSource::method() const noexcept {
  return static_cast<StretchMethod>(method_req_.load(std::memory_order_relaxed));
}

double FileSource::file_position_seconds() const noexcept {
  double file_frame = 0.0, per_frame = 0.0, wrap_frames = 0.0, wrap_begin = 0.0;
  std::int64_t written = 0;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const std::uint32_t seq = pos_seq_.load(std::memory_order_acquire);
    file_frame = pos_file_frame_.load(std::memory_order_relaxed);
    written = pos_written_.load(std::memory_order_relaxed);
    per_frame = pos_per_frame_.load(std::memory_order_relaxed);
    wrap_frames = pos_wrap_.load(std::memory_order_relaxed);
    wrap_begin = pos_wrap_begin_.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if ((seq & 1u) == 0 && pos_seq_.load(std::memory_order_relaxed) == seq) break;
  }
  const auto in_fifo = static_cast<double>(written - frames_read_.load(std::memory_order_relaxed));
  const double pos = wrap_into(file_frame - in_fifo * per_frame, wrap_begin, wrap_frames);
  return pos / static_cast<double>(info_.file_rate_hz);
}

std::uint64_t FileSource::decode_errors() const noexcept { return decode_errors_.load(std::memory_order_relaxed); }

std::string FileSource::last_error() const { return last_error_; }

}  // namespace crowdmesh::stretch
